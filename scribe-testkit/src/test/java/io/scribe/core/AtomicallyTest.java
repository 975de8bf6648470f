package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Connection;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@link Scriber#atomically}: a read-modify-write inside it is not interleaved with a change a peer sends meanwhile,
 * so the change is not overwritten with the value the block read before it arrived.
 */
class AtomicallyTest {

    @Test
    void aChangeArrivingDuringAReadModifyWriteIsPlayedAfterItAndKept() throws Exception {
        try (Scriber a = Peers.builder("a").build()) {
            Task task = a.create(new Task("t1", "mine", 1));
            List<String> sent = new CopyOnWriteArrayList<>();
            Session fromHub = a.client("hub").connect(new Connection() {
                @Override
                public void send(byte[] frame) {
                    sent.add(new String(frame, java.nio.charset.StandardCharsets.UTF_8));
                }

                @Override
                public void close() {}
            }, Wire.scribe());
            ObjectNode scribe = Json.object().put("id", "7").put("klass", "Task").put("type", "update")
                    .put("origin", "hub").put("clock", (System.currentTimeMillis() + 60_000) << 16);
            scribe.putArray("data").add("t1").addObject().put("title", "theirs");
            ObjectNode message = Json.object().put("type", "add_scribe").put("id", 1);
            message.set("scribe", scribe);

            Thread arrival = new Thread(() -> fromHub.receiveMessage(message.toString()), "arrival");
            a.atomically(() -> {
                // An edit computed from what the object holds now: the title it writes back is the one it read.
                String title = task.title();
                int priority = task.priority();
                arrival.start();
                awaitQueued(a, arrival);
                task.setTitle(title);
                task.setPriority(priority + 1);
                a.save(task);
            });
            arrival.join(Duration.ofSeconds(10).toMillis());

            assertThat(task.title()).as("the peer's title, played after the block").isEqualTo("theirs");
            assertThat(task.priority()).isEqualTo(2);
            List<Scribe> log = a.store().readAfter(0, 10);
            assertThat(log).as("the block recorded the priority only: nothing carried the old title back")
                    .filteredOn(s -> "a".equals(s.origin()) && s.type() == Scribe.Type.UPDATE)
                    .singleElement()
                    .satisfies(s -> assertThat(s.data().get(1).fieldNames()).toIterable().containsExactly("priority"));
            assertThat(sent).anyMatch(m -> m.contains("\"type\":\"response\"") && m.contains("\"id\":1"));
        }
    }

    @Test
    void whatABlockRecordsIsSentWhenItEndsSoAPeerAnsweringOnTheSameThreadCannotChangeWhatItReads() throws Exception {
        // Connections that deliver on the sending thread: were the block's save sent at once, the hub's follow-up
        // would be played inside the block (the lock is reentrant) and change the object under it.
        Scriber hub = Scriber.builder().clientId("hub").store(io.scribe.core.spi.Store.inMemory()).register(Note.class)
                .build();
        Scriber peer = Scriber.builder().clientId("peer").store(io.scribe.core.spi.Store.inMemory())
                .register(Note.class).build();
        Session[] link = Peers.direct(peer, hub);
        link[0].sync().get(10, java.util.concurrent.TimeUnit.SECONDS);
        link[1].sync().get(10, java.util.concurrent.TimeUnit.SECONDS);
        Note note = peer.create(new Note("n1", "draft", "peer"));
        // The hub answers every change of the text by writing its author.
        hub.listen(Note.class, change -> {
            if (!change.local() && change.fields().contains("text")) {
                Note held = change.object();
                held.owner = "hub";
                hub.save(held);
            }
        });
        List<String> seenInside = new java.util.ArrayList<>();
        peer.atomically(() -> {
            note.text = "final";
            peer.save(note);
            seenInside.add(note.owner);
            seenInside.add(hub.find(Note.class, "n1").map(n -> n.text).orElse("?"));
        });
        assertThat(seenInside).as("inside the block: nothing sent, nothing played back")
                .containsExactly("peer", "draft");
        assertThat(hub.find(Note.class, "n1").map(n -> n.text)).contains("final");
        // Delivered on the sending thread, unless a timer's flush of the same outbox is under way at that moment:
        // then that thread delivers it, a moment later.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!"hub".equals(note.owner) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(note.owner).as("the hub's follow-up, played after the block").isEqualTo("hub");
        hub.close();
        peer.close();
    }

    @Test
    void itReturnsTheBlocksResultAndRefusesAClosedScriber() {
        Scriber a = Peers.builder("a").build();
        Task task = a.create(new Task("t1", "mine", 1));
        assertThat(a.atomically(() -> task.title() + "!")).isEqualTo("mine!");
        a.close();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.atomically(() -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    /** Waits until {@code thread} waits for the engine's lock, which the caller holds. */
    private static void awaitQueued(Scriber scriber, Thread thread) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!scriber.lock.hasQueuedThread(thread)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the peer's change never waited for the lock");
            }
            Thread.onSpinWait();
        }
    }
}
