package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Store;
import io.scribe.core.internal.Json;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two peers joined in process by connections that deliver on the sending thread (as the quick start does): the
 * answer to the page asked for ahead arrives while the page before it is being played, and the pages are still
 * played in order.
 */
class DirectCatchUpTest {

    @Test
    void aManyPageCatchUpOverADirectConnectionPlaysEveryPageInOrder() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class).pageSize(50)
                .build();
        Scriber peer = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Note.class).pageSize(50)
                .build();
        for (int i = 0; i < 600; i++) {
            Note n = hub.create(new Note("n" + i, "first " + i, "hub"));
            n.text = "second " + i;
            hub.save(n);
        }
        Session toHub = Peers.direct(peer, hub)[0];
        toHub.sync().get(20, TimeUnit.SECONDS);

        assertThat(peer.all(Note.class)).hasSize(600).allMatch(n -> n.text.startsWith("second "));
        assertThat(peer.store().cursor("hub")).contains(Long.toString(hub.store().lastId()));
        assertThat(toHub.isCaughtUp()).isTrue();
    }

    @Test
    void theNextPageIsWrittenOutBeforeThePageAtHandIsPlayed() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class).pageSize(2)
                .build();
        Scriber peer = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Note.class).pageSize(2)
                .build();
        for (int i = 0; i < 5; i++) {
            hub.create(new Note("n" + i, "text " + i, "hub"));
        }
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        peer.listen(Note.class, change -> events.add("played " + change.id()));
        java.util.concurrent.atomic.AtomicReference<Session> atHub = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Session> atPeer =
                new java.util.concurrent.atomic.AtomicReference<>();
        // The peer's frames are held until writeNow (or the end of the step that sent them), as a transport that
        // writes at the end of its thread's task does; the hub's go straight to the peer.
        java.util.ArrayDeque<byte[]> held = new java.util.ArrayDeque<>();
        atPeer.set(peer.client("hub").connect(new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                held.add(frame);
            }

            @Override
            public void writeNow() {
                events.add("written");
                deliver();
            }

            void deliver() {
                byte[] frame;
                while ((frame = held.poll()) != null) {
                    String text = new String(frame, 4, frame.length - 4, java.nio.charset.StandardCharsets.UTF_8);
                    if (text.contains("\"type\":\"sync\"")) {
                        events.add("asked " + Json.parse(text).path("from").asText());
                    }
                    atHub.get().receiveData(frame);
                }
            }

            @Override
            public void close() {}
        }));
        atHub.set(hub.client("peer").connect(new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                atPeer.get().receiveData(frame);
            }

            @Override
            public void close() {}
        }));

        CompletableFuture<Void> done = atPeer.get().sync();
        // The first request leaves when this step ends (no page is being played yet).
        events.add("step ends");
        while (!done.isDone()) {
            byte[] frame = held.poll();
            assertThat(frame).as("a frame for the hub while the catch-up runs: %s", events).isNotNull();
            atHub.get().receiveData(frame);
        }
        done.get(5, TimeUnit.SECONDS);

        assertThat(peer.all(Note.class)).hasSize(5);
        // Each page's successor is asked for and written before the first scribe of the page is played.
        assertThat(events.subList(events.indexOf("step ends") + 1, events.size())).startsWith(
                "written", "asked 2", "played n0", "played n1", "written", "asked 4", "played n2", "played n3",
                "played n4");
    }

    @Test
    void anObjectCreatedAndDestroyedWithinOnePageEndsDestroyed() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class).build();
        Scriber peer = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Note.class).build();
        Note gone = hub.create(new Note("gone", "created, then destroyed", "hub"));
        hub.destroy(gone);
        hub.create(new Note("kept", "still here", "hub"));

        // One page holds the create and the destroy: played in one step, the object must not stay alive.
        Peers.direct(peer, hub)[0].sync().get(20, TimeUnit.SECONDS);

        assertThat(peer.find(Note.class, "gone")).isEmpty();
        assertThat(peer.all(Note.class)).extracting(n -> n.id).containsExactly("kept");
        assertThat(peer.store().object("Note", "gone")).get().satisfies(s -> assertThat(s.destroyed()).isTrue());
    }
}
