package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.testkit.Network;
import io.scribe.testkit.TestNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Collection fields declared with {@link Policy#withSetMerge}: add-wins sets. */
class SetMergeTest {

    private static final Policy<Board> MERGED = Policy.<Board>defaults().withSetMerge("tags", "labels");

    private static Scriber peer(TestNetwork net, String id, List<Conflict> conflicts) {
        return net.peer(id, b -> b.register(Board.class, MERGED).onConflict(conflicts::add));
    }

    @Test
    void concurrentAddsOnTwoPeersKeepBothTags() {
        List<Conflict> conflicts = new ArrayList<>();
        try (TestNetwork net = new TestNetwork(1)) {
            Scriber hub = peer(net, "hub", conflicts);
            Scriber a = peer(net, "a", conflicts);
            Scriber b = peer(net, "b", conflicts);
            Network.Link la = net.link(a, hub);
            Network.Link lb = net.link(b, hub);
            Board onA = a.create(new Board("b1", "plans"));
            onA.tags.add("shared");
            onA.labels.add("first");
            a.save(onA);
            net.settle();
            Board onB = b.find(Board.class, "b1").orElseThrow();

            la.cut();
            lb.cut();
            onA.tags.add("from-a");
            onA.labels.add("a-label");
            a.save(onA);
            net.clock().advance(5);
            onB.tags.add("from-b");
            onB.labels.add("b-label");
            b.save(onB);
            la.reconnect();
            lb.reconnect();
            net.assertConverged();

            for (Scriber p : List.of(a, b, hub)) {
                Board board = p.find(Board.class, "b1").orElseThrow();
                assertThat(board.tags).containsExactlyInAnyOrder("shared", "from-a", "from-b");
                assertThat(board.labels).containsExactlyInAnyOrder("first", "a-label", "b-label");
            }
            assertThat(conflicts).isEmpty();
        }
    }

    @Test
    void anUpdateCarriesOnlyTheElementsAddedAndRemoved() {
        try (TestNetwork net = new TestNetwork(2)) {
            Scriber a = peer(net, "a", new ArrayList<>());
            Board board = a.create(new Board("b1", "t"));
            board.tags.add("x");
            board.tags.add("y");
            a.save(board);
            board.tags.remove("x");
            board.tags.add("z");
            Scribe update = a.save(board).orElseThrow();
            assertThat(update.data().get(1).toString()).isEqualTo("{\"tags\":{\"z\":true,\"x\":null}}");
            assertThat(update.base()).containsOnlyKeys("tags/x", "tags/z");
        }
    }

    @Test
    void aRemoveOnlyRemovesWhatTheRemoverHadSeen() {
        try (TestNetwork net = new TestNetwork(3)) {
            Scriber hub = peer(net, "hub", new ArrayList<>());
            Scriber a = peer(net, "a", new ArrayList<>());
            Scriber b = peer(net, "b", new ArrayList<>());
            Network.Link la = net.link(a, hub);
            Network.Link lb = net.link(b, hub);
            Board onA = a.create(new Board("b1", "t"));
            onA.tags.add("x");
            onA.tags.add("gone");
            a.save(onA);
            net.settle();
            Board onB = b.find(Board.class, "b1").orElseThrow();

            // b removes x and gone, having seen a's adds. Meanwhile a removes x and adds it again: b never saw that
            // add, so it stays; gone, whose add b had seen, goes.
            la.cut();
            lb.cut();
            onA.tags.remove("x");
            a.save(onA);
            net.clock().advance(1);
            onA.tags.add("x");
            a.save(onA);
            net.clock().advance(1);
            onB.tags.remove("x");
            onB.tags.remove("gone");
            b.save(onB);
            lb.reconnect();
            net.settle();
            la.reconnect();
            net.assertConverged();
            for (Scriber p : List.of(a, b, hub)) {
                assertThat(p.find(Board.class, "b1").orElseThrow().tags).containsExactly("x");
            }

            // Now that everyone has seen x's last add, a remove takes it away.
            onB.tags.remove("x");
            b.save(onB);
            net.assertConverged();
            assertThat(onA.tags).isEmpty();
        }
    }

    @Test
    void onlyStringCollectionsMergeAsSets() {
        try (TestNetwork net = new TestNetwork(4)) {
            assertThatThrownBy(() -> net.peer("a", b -> b.register(Board.class,
                    Policy.<Board>defaults().withSetMerge("title"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Board.title");
        }
    }

    /**
     * Random adds and removes of a few elements on three peers that go offline and come back at random, through a
     * hub: every run ends with all peers holding the same set.
     */
    @Test
    void randomAddsAndRemovesOnPeersThatComeAndGoConverge() {
        long seeds = Long.getLong("scribe.seeds", 40);
        for (long seed = 1; seed <= seeds; seed++) {
            Random random = new Random(seed);
            try (TestNetwork net = new TestNetwork(seed)) {
                Scriber hub = peer(net, "hub", new ArrayList<>());
                List<Scriber> peers = List.of(peer(net, "a", new ArrayList<>()), peer(net, "b", new ArrayList<>()),
                        peer(net, "c", new ArrayList<>()));
                List<Network.Link> links = new ArrayList<>();
                for (Scriber p : peers) {
                    links.add(net.link(p, hub));
                }
                peers.get(0).create(new Board("b1", "t"));
                net.settle();
                List<String> alphabet = List.of("p", "q", "r", "s");
                for (int step = 0; step < 60; step++) {
                    int i = random.nextInt(peers.size());
                    Scriber p = peers.get(i);
                    switch (random.nextInt(6)) {
                        case 0 -> links.get(i).cut();
                        case 1 -> links.get(i).reconnect();
                        case 2 -> net.network().deliverSome(random.nextInt(5));
                        default -> p.find(Board.class, "b1").ifPresent(board -> {
                            String element = alphabet.get(random.nextInt(alphabet.size()));
                            if (random.nextBoolean()) {
                                board.tags.add(element);
                                if (!board.labels.contains(element)) {
                                    board.labels.add(element);
                                }
                            } else {
                                board.tags.remove(element);
                                board.labels.remove(element);
                            }
                            p.save(board);
                        });
                    }
                    net.clock().advance(random.nextInt(3));
                }
                for (Network.Link l : links) {
                    if (!l.isUp()) {
                        l.reconnect();
                    }
                }
                net.assertConverged();
                Set<String> tags = Set.copyOf(hub.find(Board.class, "b1").orElseThrow().tags);
                for (Scriber p : peers) {
                    Board board = p.find(Board.class, "b1").orElseThrow();
                    assertThat(Set.copyOf(board.tags)).as("seed %d, %s", seed, p.id()).isEqualTo(tags);
                    assertThat(Set.copyOf(board.labels)).as("seed %d, %s", seed, p.id()).isEqualTo(tags);
                }
            }
        }
    }
}
