package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import io.scribe.testkit.TestNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** List fields declared with {@link Policy#withListMerge}: lists that keep concurrent inserts. */
class ListMergeTest {

    private static final Policy<Agenda> MERGED = Policy.<Agenda>defaults().withListMerge("items", "scores", "slots");

    private static Scriber peer(TestNetwork net, String id, List<Conflict> conflicts) {
        return net.peer(id, b -> b.register(Agenda.class, MERGED).onConflict(conflicts::add));
    }

    private static List<String> items(Scriber p) {
        return p.find(Agenda.class, "a1").orElseThrow().items;
    }

    @Test
    void twoPeersThatEachAddATagOfflineBothEndWithBothTagsInTheSameOrder() {
        List<Conflict> conflicts = new ArrayList<>();
        try (TestNetwork net = new TestNetwork(1)) {
            Scriber hub = peer(net, "hub", conflicts);
            Scriber a = peer(net, "a", conflicts);
            Scriber b = peer(net, "b", conflicts);
            Network.Link la = net.link(a, hub);
            Network.Link lb = net.link(b, hub);
            Agenda onA = a.create(new Agenda("a1", "plans"));
            onA.items.add("shared");
            a.save(onA);
            net.settle();
            Agenda onB = b.find(Agenda.class, "a1").orElseThrow();
            assertThat(onB.items).containsExactly("shared");

            la.cut();
            lb.cut();
            onA.items.add("from-a");
            a.save(onA);
            net.clock().advance(5);
            onB.items.add("from-b");
            b.save(onB);
            la.reconnect();
            lb.reconnect();
            net.assertConverged();

            List<String> expected = items(hub);
            assertThat(expected).hasSize(3).startsWith("shared").contains("from-a", "from-b");
            for (Scriber p : List.of(a, b)) {
                assertThat(items(p)).isEqualTo(expected);
            }
            assertThat(conflicts).isEmpty();
        }
    }

    @Test
    void concurrentInsertsAtTheSameIndexAreBothKeptInOneOrder() {
        try (TestNetwork net = new TestNetwork(2)) {
            Scriber hub = peer(net, "hub", new ArrayList<>());
            Scriber a = peer(net, "a", new ArrayList<>());
            Scriber b = peer(net, "b", new ArrayList<>());
            Network.Link la = net.link(a, hub);
            Network.Link lb = net.link(b, hub);
            Agenda onA = a.create(new Agenda("a1", "t"));
            onA.items.addAll(List.of("first", "last"));
            a.save(onA);
            net.settle();
            Agenda onB = b.find(Agenda.class, "a1").orElseThrow();

            la.cut();
            lb.cut();
            onA.items.add(1, "x1");
            onA.items.add(2, "x2");
            a.save(onA);
            onB.items.add(1, "y1");
            b.save(onB);
            lb.reconnect();
            net.settle();
            la.reconnect();
            net.assertConverged();

            List<String> merged = items(hub);
            assertThat(merged).containsExactlyInAnyOrder("first", "x1", "x2", "y1", "last");
            assertThat(merged.get(0)).isEqualTo("first");
            assertThat(merged.get(4)).isEqualTo("last");
            assertThat(merged.indexOf("x1")).isLessThan(merged.indexOf("x2"));
            assertThat(items(a)).isEqualTo(merged);
            assertThat(items(b)).isEqualTo(merged);
            assertThat(onA.items).isEqualTo(merged);

            // An insert between two elements that were inserted at one place lands there, on every peer.
            int at = merged.indexOf("y1");
            onB.items.add(at, "between");
            b.save(onB);
            net.assertConverged();
            assertThat(items(a).indexOf("between")).isEqualTo(at);
            assertThat(items(a)).isEqualTo(onB.items);
        }
    }

    @Test
    void aRemovalAndAConcurrentInsertElsewhereBothHold() {
        try (TestNetwork net = new TestNetwork(3)) {
            Scriber hub = peer(net, "hub", new ArrayList<>());
            Scriber a = peer(net, "a", new ArrayList<>());
            Scriber b = peer(net, "b", new ArrayList<>());
            Network.Link la = net.link(a, hub);
            Network.Link lb = net.link(b, hub);
            Agenda onA = a.create(new Agenda("a1", "t"));
            onA.items.addAll(List.of("p", "q", "r"));
            a.save(onA);
            net.settle();
            Agenda onB = b.find(Agenda.class, "a1").orElseThrow();

            la.cut();
            lb.cut();
            onA.items.remove("q");
            a.save(onA);
            onB.items.add(0, "new");
            onB.items.add("end");
            b.save(onB);
            la.reconnect();
            lb.reconnect();
            net.assertConverged();
            for (Scriber p : List.of(a, b, hub)) {
                assertThat(items(p)).containsExactly("new", "p", "r", "end");
            }

            // Both remove the same element and one of them moves another: each element once, the move kept.
            la.cut();
            lb.cut();
            onA.items.remove("p");
            a.save(onA);
            onB.items.remove("p");
            onB.items.remove("end");
            onB.items.add(0, "end");
            b.save(onB);
            la.reconnect();
            lb.reconnect();
            net.assertConverged();
            for (Scriber p : List.of(a, b, hub)) {
                assertThat(items(p)).containsExactly("end", "new", "r");
            }
        }
    }

    @Test
    void anUpdateCarriesOnlyTheElementsInsertedAndRemoved() {
        try (TestNetwork net = new TestNetwork(4)) {
            Scriber a = peer(net, "a", new ArrayList<>());
            Agenda agenda = a.create(new Agenda("a1", "t"));
            agenda.items.addAll(List.of("x", "y", "z"));
            a.save(agenda);
            assertThat(a.save(agenda)).isEmpty();
            agenda.items.remove("y");
            agenda.items.add(0, "w");
            Scribe update = a.save(agenda).orElseThrow();
            JsonNode patch = update.data().get(1).get("items");
            assertThat(patch.size()).isEqualTo(2);
            List<String> inserted = new ArrayList<>();
            List<String> removed = new ArrayList<>();
            patch.fields().forEachRemaining(e -> {
                if (e.getValue().isNull()) {
                    removed.add(e.getKey());
                } else {
                    inserted.add(e.getValue().get(1).asText());
                    assertThat(e.getKey()).endsWith(".a");
                    assertThat(e.getValue().get(0).isTextual()).isTrue();
                }
            });
            assertThat(inserted).containsExactly("w");
            assertThat(removed).hasSize(1);
            assertThat(update.base()).hasSize(2).allSatisfy((k, v) -> assertThat(k).startsWith("items/"));
        }
    }

    @Test
    void elementsAreAnyJsonValueAndSurviveARestartWithTheirIds() {
        Store store = Store.inMemory();
        Scribe first;
        try (Scriber a = Scriber.builder().clientId("a").store(store).register(Agenda.class, MERGED).build()) {
            Agenda agenda = a.create(new Agenda("a1", "t"));
            agenda.scores.addAll(List.of(3L, 1L, 2L));
            agenda.slots.add(new Agenda.Slot("ann", 15));
            first = a.save(agenda).orElseThrow();
        }
        try (Scriber a = Scriber.builder().clientId("a").store(store).register(Agenda.class, MERGED).build()) {
            Agenda agenda = a.find(Agenda.class, "a1").orElseThrow();
            assertThat(agenda.scores).containsExactly(3L, 1L, 2L);
            assertThat(agenda.slots).containsExactly(new Agenda.Slot("ann", 15));
            // Nothing changed: nothing recorded, though the stored numbers read back as ints.
            assertThat(a.save(agenda)).isEmpty();
            agenda.scores.add(1, 7L);
            Scribe update = a.save(agenda).orElseThrow();
            assertThat(update.data().get(1).get("scores").size()).isEqualTo(1);
            assertThat(first.clock()).isLessThan(update.clock());
        }
        try (Scriber a = Scriber.builder().clientId("a").store(store).register(Agenda.class, MERGED).build()) {
            assertThat(a.find(Agenda.class, "a1").orElseThrow().scores).containsExactly(3L, 7L, 1L, 2L);
        }
    }

    @Test
    void aMalformedElementFromAPeerIsRefused() {
        JsonNode bad = io.scribe.core.internal.Json.object().set("k1",
                io.scribe.core.internal.Json.NODES.arrayNode().add("V0").add("x"));
        assertThatThrownBy(() -> ListMerge.elements("Agenda.items", bad))
                .isInstanceOf(ScribeException.class).hasMessageContaining("Agenda.items");
    }

    @Test
    void onlyListFieldsMergeAsLists() {
        try (TestNetwork net = new TestNetwork(5)) {
            assertThatThrownBy(() -> net.peer("a", b -> b.register(Agenda.class,
                    Policy.<Agenda>defaults().withListMerge("title"))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Agenda.title");
        }
    }

    @Test
    void positionsSortBetweenTheirNeighbours() {
        Random random = new Random(7);
        List<String> positions = new ArrayList<>();
        for (int step = 0; step < 2000; step++) {
            int at = positions.isEmpty() ? 0 : random.nextInt(positions.size() + 1);
            // Often at the same place, as text typed one character after another.
            if (step % 3 == 0 && !positions.isEmpty()) {
                at = Math.min(positions.size(), 1);
            }
            String low = at == 0 ? "" : positions.get(at - 1);
            String high = at == positions.size() ? null : positions.get(at);
            String p = ListMerge.between(low, high, "id" + step);
            assertThat(p.compareTo(low)).isGreaterThan(0);
            if (high != null) {
                assertThat(p.compareTo(high)).isLessThan(0);
            }
            assertThat(p).doesNotEndWith("0");
            positions.add(at, p);
        }
        assertThat(positions.stream().mapToInt(String::length).max().orElseThrow()).isLessThan(200);
    }

    /**
     * Random inserts, removals and moves on three peers whose links to a hub are cut and come back at random, with
     * frames delivered a few at a time: every run ends with all peers holding the same list, and every element
     * inserted and never removed is in it.
     */
    @Test
    void randomListEditsOnPeersThatComeAndGoConverge() {
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
                peers.get(0).create(new Agenda("a1", "t"));
                net.settle();
                int counter = 0;
                List<String> inserted = new ArrayList<>();
                java.util.Set<String> touched = new java.util.HashSet<>();
                for (int step = 0; step < 80; step++) {
                    int i = random.nextInt(peers.size());
                    Scriber p = peers.get(i);
                    int action = random.nextInt(8);
                    if (action == 0) {
                        links.get(i).cut();
                    } else if (action == 1) {
                        links.get(i).reconnect();
                    } else if (action == 2) {
                        net.network().deliverSome(random.nextInt(5));
                    } else {
                        Agenda agenda = p.find(Agenda.class, "a1").orElseThrow();
                        List<String> list = agenda.items;
                        int edits = 1 + random.nextInt(3);
                        for (int e = 0; e < edits; e++) {
                            int kind = list.isEmpty() ? 0 : random.nextInt(4);
                            if (kind <= 1) {
                                String element = p.id() + (counter++);
                                inserted.add(element);
                                list.add(random.nextInt(list.size() + 1), element);
                            } else if (kind == 2) {
                                touched.add(list.remove(random.nextInt(list.size())));
                            } else {
                                String moved = list.remove(random.nextInt(list.size()));
                                touched.add(moved);
                                list.add(random.nextInt(list.size() + 1), moved);
                            }
                        }
                        agenda.scores.add((long) random.nextInt(5));
                        p.save(agenda);
                    }
                    net.clock().advance(random.nextInt(3));
                }
                for (Network.Link l : links) {
                    if (!l.isUp()) {
                        l.reconnect();
                    }
                }
                net.assertConverged();
                Agenda there = hub.find(Agenda.class, "a1").orElseThrow();
                for (String element : inserted) {
                    if (!touched.contains(element)) {
                        assertThat(there.items).as("seed %d", seed).containsOnlyOnce(element);
                    }
                }
                for (Scriber p : peers) {
                    Agenda agenda = p.find(Agenda.class, "a1").orElseThrow();
                    assertThat(agenda.items).as("seed %d, %s", seed, p.id()).isEqualTo(there.items);
                    assertThat(agenda.scores).as("seed %d, %s", seed, p.id()).isEqualTo(there.scores);
                }
            }
        }
    }
}
