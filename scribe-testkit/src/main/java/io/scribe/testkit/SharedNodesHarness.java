package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * Two server nodes, each with its own store instance on one shared store, and a client on each: a change made on
 * one client reaches the other through the store's watch notification, both ways.
 */
public final class SharedNodesHarness {

    private SharedNodesHarness() {}

    public static void run(Store store1, Store store2) throws Exception {
        Scriber node1 = Scriber.builder().clientId("server").store(store1).register(CrashPeer.Note.class).build();
        Scriber node2 = Scriber.builder().clientId("server").store(store2).register(CrashPeer.Note.class).build();
        Scriber c1 = Scriber.builder().clientId("c1").store(Store.inMemory()).register(CrashPeer.Note.class).build();
        Scriber c2 = Scriber.builder().clientId("c2").store(Store.inMemory()).register(CrashPeer.Note.class).build();
        try {
            Network net = new Network(new Random(5));
            net.link(c1, node1);
            net.link(c2, node2);
            net.settle();

            CrashPeer.Note note = c1.create(new CrashPeer.Note(null, "made on node 1's client"));
            settleUntil(net, () -> c2.find(CrashPeer.Note.class, note.id).isPresent());
            CrashPeer.Note onC2 = c2.find(CrashPeer.Note.class, note.id).orElseThrow();
            onC2.text = "edited on node 2's client";
            c2.save(onC2);
            settleUntil(net, () -> c1.find(CrashPeer.Note.class, note.id).orElseThrow().text.equals(onC2.text));
            assertThat(CrashPeer.dump(c1.all(CrashPeer.Note.class))).isEqualTo(CrashPeer.dump(c2.all(CrashPeer.Note.class)))
                    .isEqualTo(CrashPeer.dump(node1.all(CrashPeer.Note.class)))
                    .isEqualTo(CrashPeer.dump(node2.all(CrashPeer.Note.class)));
            assertThat(store1.lastId()).as("each change in the shared log once").isEqualTo(2);
        } finally {
            for (Scriber s : new Scriber[] {c1, c2, node1, node2}) {
                s.close();
            }
        }
    }

    private static void settleUntil(Network net, BooleanSupplier done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            // The other node absorbs the foreign append on its own thread; deliver what it queued.
            synchronized (net) {
                net.settle();
            }
            Thread.sleep(5);
        }
        assertThat(done.getAsBoolean()).as("change arrived within 10 s").isTrue();
    }
}
