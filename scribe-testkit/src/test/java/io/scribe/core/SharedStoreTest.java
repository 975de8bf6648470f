package io.scribe.core;

import static io.scribe.core.Peers.tasks;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.testkit.Network;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Two server nodes share one store (as they share Redis or PostgreSQL): a change a client makes on one node reaches
 * the clients of the other, through the store's watch notification.
 */
class SharedStoreTest {

    /** One node's handle on a shared in-memory store; commits notify the other handles' watchers. */
    static final class Shared extends ForwardingStore {
        final List<Shared> all;
        final List<Runnable> watchers = new CopyOnWriteArrayList<>();

        Shared(Store inner, List<Shared> all) {
            super(inner);
            this.all = all;
            all.add(this);
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            List<Scribe> stored = super.commit(commit);
            if (!stored.isEmpty()) {
                for (Shared other : all) {
                    if (other != this) {
                        other.watchers.forEach(Runnable::run);
                    }
                }
            }
            return stored;
        }

        @Override
        public void watch(Runnable listener) {
            watchers.add(listener);
        }
    }

    @Test
    void aChangeOnOneNodeReachesTheClientsOfTheOther() throws Exception {
        Store backing = Store.inMemory();
        List<Shared> handles = new CopyOnWriteArrayList<>();
        Scriber node1 = Scriber.builder().clientId("server").store(new Shared(backing, handles)).register(Task.class)
                .build();
        Scriber node2 = Scriber.builder().clientId("server").store(new Shared(backing, handles)).register(Task.class)
                .build();
        Scriber c1 = Peers.peer("c1");
        Scriber c2 = Peers.peer("c2");
        Network net = new Network(new Random(5));
        net.link(c1, node1);
        net.link(c2, node2);
        net.settle();

        Task t = c1.create(new Task("made on node 1's client", 1));
        long deadline = System.currentTimeMillis() + 5000;
        while (c2.find(Task.class, t.id()).isEmpty() && System.currentTimeMillis() < deadline) {
            // Node 2 absorbs the foreign append on its timer thread; deliver what it queued.
            synchronized (net) {
                net.settle();
            }
            Thread.sleep(5);
        }
        assertThat(c2.find(Task.class, t.id())).isPresent();
        Task onC2 = c2.find(Task.class, t.id()).orElseThrow();
        onC2.setTitle("edited on node 2's client");
        c2.save(onC2);
        deadline = System.currentTimeMillis() + 5000;
        while (!c1.find(Task.class, t.id()).orElseThrow().title().equals("edited on node 2's client")
                && System.currentTimeMillis() < deadline) {
            synchronized (net) {
                net.settle();
            }
            Thread.sleep(5);
        }
        assertThat(tasks(c1)).isEqualTo(tasks(c2)).isEqualTo(tasks(node1)).isEqualTo(tasks(node2)).hasSize(1);
        // Each scribe is in the shared log once.
        assertThat(backing.lastId()).isEqualTo(2);
    }
}
