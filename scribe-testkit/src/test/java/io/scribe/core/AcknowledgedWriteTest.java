package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The positions a hub's clients acknowledged are stored without their sessions closing (a crash loses at most the
 * last moments), together in commits of their own, never in the commit of a change that is then relayed.
 */
class AcknowledgedWriteTest {

    /** What each commit that reaches the store carries: its scribes and its acknowledged positions. */
    static final class Commits extends ForwardingStore {
        final List<Commit> seen = new CopyOnWriteArrayList<>();

        Commits() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            seen.add(commit);
            return super.commit(commit);
        }

        static long positions(Commit c) {
            return c.cursors().keySet().stream().filter(k -> k.startsWith(Acknowledged.KEY_PREFIX)).count();
        }
    }

    @Test
    void positionsAreStoredTogetherApartFromTheChangesTheyFollow() throws InterruptedException {
        Commits store = new Commits();
        Network net = new Network(new Random(5));
        List<Scriber> peers = new ArrayList<>();
        try (Scriber hub = Scriber.builder().clientId("hub").store(store).register(Task.class).build()) {
            for (String id : List.of("c1", "c2", "c3")) {
                Scriber c = Scriber.builder().clientId(id).store(Store.inMemory()).register(Task.class).build();
                peers.add(c);
                net.link(c, hub);
            }
            net.settle();
            for (int i = 0; i < 20; i++) {
                hub.create(new Task("task " + i, i));
                net.settle();
            }
            long last = hub.lastScribeId();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline && !List.of("c1", "c2", "c3").stream().allMatch(
                    id -> store.cursor(Acknowledged.KEY_PREFIX + id).orElse("").startsWith(last + ";"))) {
                Thread.sleep(20);
            }
            for (String id : List.of("c1", "c2", "c3")) {
                // Stored while the sessions are open: POSITION;MILLIS.
                assertThat(store.cursor(Acknowledged.KEY_PREFIX + id)).get().asString().startsWith(last + ";");
                assertThat(hub.client(id).pending()).isZero();
            }
            List<Commit> changes = store.seen.stream().filter(c -> !c.scribes().isEmpty()).toList();
            List<Commit> acks = store.seen.stream().filter(c -> Commits.positions(c) > 0).toList();
            assertThat(changes.size()).isEqualTo(20);
            assertThat(changes).allSatisfy(c -> assertThat(Commits.positions(c)).isZero());
            assertThat(acks).allSatisfy(c -> assertThat(c.scribes()).isEmpty());
            // 60 acknowledgements in 20 changes, written a few at a time: far fewer commits than acknowledgements.
            assertThat(acks.size()).isBetween(1, 20);
            assertThat(acks.stream().mapToLong(Commits::positions).max().orElse(0)).isGreaterThan(1);
        } finally {
            peers.forEach(Scriber::close);
        }
    }

    /** A store its owner closes: every commit after that is refused, and counted. */
    static final class Closing extends ForwardingStore {
        volatile boolean closed;
        final AtomicInteger refused = new AtomicInteger();

        Closing() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (closed) {
                refused.incrementAndGet();
                throw new IllegalStateException("store closed");
            }
            return super.commit(commit);
        }
    }

    @Test
    void aPositionWaitingWhenTheScriberClosesIsWrittenThenNothingMoreReachesTheStore() throws InterruptedException {
        // A timer the application shares: closing the Scriber does not stop it.
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        Closing store = new Closing();
        try {
            Scriber hub = Scriber.builder().clientId("hub").store(store).timer(timer).register(Task.class).build();
            hub.clients.get("c1").acknowledged.advance(3);
            hub.close();
            store.closed = true;   // the application closes its store after the Scriber

            // Written as the Scriber closed, not left to a timer that runs after the store is gone.
            assertThat(store.cursor(Acknowledged.KEY_PREFIX + "c1")).get().asString().startsWith("3;");
            Thread.sleep(5 * AcknowledgedQueue.DELAY_MILLIS);
            // A closed Scriber tries no commit (it used to retry every 200 ms for as long as the timer lived).
            assertThat(store.refused).hasValue(0);
        } finally {
            timer.shutdownNow();
        }
    }
}
