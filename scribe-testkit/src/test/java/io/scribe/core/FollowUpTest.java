package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link Policy#withFollowUp}, {@link Policy#withFormerRecipients}, and scribes pushed on several sessions at once
 * stored with one commit.
 */
class FollowUpTest {

    private final Network net = new Network(new Random(7));

    @Test
    void aFollowUpIsStoredWithTheWriteItFollowsAndReachesEveryPeerItsAuthorIncluded() {
        AtomicInteger calls = new AtomicInteger();
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory())
                .register(Sheet.class, Policy.<Sheet>defaults().withKeyMerge("cells").withFollowUp(
                        (before, after, write) -> after == null ? null : Peers.JSON.createObjectNode()
                                .put("title", "seen " + calls.incrementAndGet() + " from " + write.origin())))
                .build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory())
                .register(Sheet.class, Policy.<Sheet>defaults().withKeyMerge("cells")).build();
        Scriber b = Scriber.builder().clientId("b").store(Store.inMemory())
                .register(Sheet.class, Policy.<Sheet>defaults().withKeyMerge("cells")).build();
        net.link(a, hub);
        net.link(b, hub);
        Sheet s = a.create(new Sheet("s1", "t"));
        net.settle();
        s.cells.put("x", 1);
        a.save(s);
        net.settle();

        assertThat(calls.get()).isEqualTo(2);
        // Each write is followed at once, in the same log, by the hub's own update.
        List<Scribe> log = hub.store().readAfter(0, 10);
        assertThat(log).extracting(Scribe::origin).containsExactly("a", "hub", "a", "hub");
        assertThat(log.get(3).data().get(1).toString()).isEqualTo("{\"title\":\"seen 2 from a\"}");
        for (Scriber p : List.of(hub, a, b)) {
            assertThat(p.find(Sheet.class, "s1").orElseThrow().title).isEqualTo("seen 2 from a");
            assertThat(p.find(Sheet.class, "s1").orElseThrow().cells.path("x").asInt()).isEqualTo(1);
        }
        // The hub's own writes are not followed.
        Sheet onHub = hub.find(Sheet.class, "s1").orElseThrow();
        onHub.title = "by hub";
        hub.save(onHub);
        net.settle();
        assertThat(calls.get()).isEqualTo(2);
        assertThat(a.find(Sheet.class, "s1").orElseThrow().title).isEqualTo("by hub");
    }

    @Test
    void theDestroyOfAGoneObjectReachesOnlyItsFormerRecipientsInCatchUp() {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory())
                .register(Sheet.class, Policy.<Sheet>defaults().withFormerRecipients((id, client) ->
                        client.equals("c")))
                .build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Sheet.class).build();
        net.link(a, hub);
        a.destroy(a.create(new Sheet("s1", "t")));
        net.settle();
        Scriber b = Scriber.builder().clientId("b").store(Store.inMemory()).register(Sheet.class).build();
        Scriber c = Scriber.builder().clientId("c").store(Store.inMemory()).register(Sheet.class).build();
        net.link(b, hub);
        net.link(c, hub);
        net.settle();
        assertThat(b.store().object("Sheet", "s1")).isEmpty();
        assertThat(c.store().object("Sheet", "s1")).hasValueSatisfying(s -> assertThat(s.destroyed()).isTrue());
    }

    @Test
    void scribesArrivingOnSeveralSessionsWhileAStepIsBeingStoredAreStoredWithOneCommit() throws Exception {
        List<Integer> commits = new java.util.concurrent.CopyOnWriteArrayList<>();
        Store counting = new io.scribe.core.spi.ForwardingStore(Store.inMemory()) {
            @Override
            public List<Scribe> commit(io.scribe.core.spi.Commit commit) {
                commits.add(commit.scribes().size());
                return super.commit(commit);
            }
        };
        Scriber hub = Scriber.builder().clientId("hub").store(counting).register(Sheet.class).build();
        commits.clear();
        List<String> answers = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Session> sessions = new java.util.ArrayList<>();
        for (String peer : List.of("a", "b", "c")) {
            sessions.add(hub.client(peer).connect(new io.scribe.core.spi.Connection() {
                @Override
                public void send(byte[] frame) {}

                @Override
                public void sendText(String message) {
                    answers.add(message);
                }

                @Override
                public boolean messageOriented() {
                    return true;
                }

                @Override
                public void close() {}
            }));
        }
        long clock = System.currentTimeMillis() << 16;
        List<Thread> senders = new java.util.ArrayList<>();
        hub.lock.lock();
        try {
            for (int i = 0; i < 3; i++) {
                Session s = sessions.get(i);
                String peer = s.client().id();
                String message = "{\"type\":\"add_scribe\",\"id\":1,\"scribe\":{\"id\":\"1\",\"klass\":\"Sheet\","
                        + "\"type\":\"create\",\"data\":{\"id\":\"s-" + peer + "\",\"title\":\"" + peer + "\"},"
                        + "\"origin\":\"" + peer + "\",\"clock\":" + (clock + i) + "}}";
                Thread t = new Thread(() -> s.receiveMessage(message));
                senders.add(t);
                t.start();
            }
            // All three are queued while the lock is held, as while a commit is being written.
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (hub.incoming.size() < 3) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(5);
            }
        } finally {
            hub.lock.unlock();
        }
        for (Thread t : senders) {
            t.join();
        }
        assertThat(commits).containsExactly(3);
        assertThat(hub.all(Sheet.class)).hasSize(3);
        assertThat(answers).hasSize(3).allMatch(a -> a.contains("\"result\":true"));
    }
}
