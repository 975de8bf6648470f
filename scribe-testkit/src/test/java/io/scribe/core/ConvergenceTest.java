package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.ManualClock;
import io.scribe.testkit.ManualTimer;
import io.scribe.testkit.Network;
import io.scribe.testkit.SyncroModel;
import io.scribe.core.internal.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three peers (one of them also the hub the other two connect to) make hundreds of random changes to shared
 * objects while the network delivers frames in random interleavings and split reads, duplicates some, and links go
 * down and come back (losing what was in flight). When everything is delivered, every peer holds exactly the same
 * objects. Each run is seeded; a failure names its seed, and {@code -Dscribe.seed=N} replays one.
 *
 * <p>System properties: {@code scribe.seed} (run only that seed, in every scenario), {@code scribe.seeds} (fresh
 * seeds added to the Syncro scenario's fixed ones, default 2), {@code scribe.syncroRestarts} (whether the recognised
 * Syncro peer also restarts empty, default true). See docs/PROTOCOL.md, "Tested" under Syncro compatibility.
 */
class ConvergenceTest {

    static List<Long> seeds() {
        String fixed = System.getProperty("scribe.seed");
        if (fixed != null) {
            return List.of(Long.parseLong(fixed));
        }
        List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L, 42L, 1234L, 2026L));
        // -Dscribe.seeds=N adds N fresh seeds (two by default).
        int fresh = Integer.getInteger("scribe.seeds", 2);
        Random source = new Random(System.nanoTime());
        for (int i = 0; i < fresh; i++) {
            seeds.add(source.nextLong());
        }
        return seeds;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersConvergeWhateverTheDeliveryOrder(long seed) {
        try {
            run(seed, false);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    /** The same with {@code tags} merged as an add-wins set ({@link Policy#withSetMerge}), tags added and removed. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersConvergeWithTagsMergedAsASet(long seed) {
        try {
            run(seed, false, true);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    /**
     * The same while the hub compacts its log at random moments (see {@link Scriber.Builder#compaction}; its clients
     * are asked to as well, and do not, since they relay through it), with a retention window short enough that a
     * peer whose link stays down past it is sent a snapshot; at the end a new peer joins after the history was
     * compacted and converges too.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersConvergeWhileTheirLogsAreCompacted(long seed) {
        try {
            run(seed, false, false, false, true);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    /**
     * The same with {@code tags} merged as a list that keeps concurrent inserts ({@link Policy#withListMerge}): tags
     * inserted at random places and removed; the order is synced, so the lists compare as they are.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersConvergeWithTagsMergedAsAList(long seed) {
        try {
            run(seed, false, false, true);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersConvergeUnderServerWins(long seed) {
        try {
            run(seed, true);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    /**
     * The same with two models of Ruby Syncro peers beside a Scribe peer: they keep no clocks, play everything in
     * arrival order and raise on a destroy or update of a record they do not hold. One is recognised by the hub (a
     * fixed name), the other is a new client at every connection; both sometimes restart empty, and sometimes send a
     * value of the wrong type. The hub arbitrates: when everything is delivered, every peer holds the hub's objects,
     * and no Syncro peer ever raised.
     */
    static List<Long> syncroSeeds() {
        String fixed = System.getProperty("scribe.seed");
        if (fixed != null) {
            return List.of(Long.parseLong(fixed));
        }
        // -3612416551347378795: a recognised peer that lost its cursor asks from null and must still get the destroy
        // of a record it created in an earlier session.
        List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L, 7L, 8L, 42L, 1234L, 2026L,
                -3612416551347378795L));
        // -Dscribe.seeds=N adds N fresh seeds (two by default).
        int fresh = Integer.getInteger("scribe.seeds", 2);
        Random source = new Random(System.nanoTime());
        for (int i = 0; i < fresh; i++) {
            seeds.add(source.nextLong());
        }
        return seeds;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("syncroSeeds")
    void clocklessSyncroPeersConvergeWithTheHub(long seed) {
        try {
            runWithSyncro(seed);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    /**
     * Whether the recognised Syncro peer restarts empty too, as the unrecognised one does: on by default,
     * {@code -Dscribe.syncroRestarts=false} turns it off (to replay a seed of a run made before it was on).
     */
    static final boolean RESTARTS = !"false".equals(System.getProperty("scribe.syncroRestarts"));

    private void runWithSyncro(long seed) {
        Random random = new Random(seed);
        Network net = new Network(random).chunked(true);
        ManualClock now = new ManualClock(1_700_000_000_000L);
        // Held acknowledgements, retries and compaction run at the same steps of a seed's run every time.
        ManualTimer timer = now.timer();
        Scriber hub = Scriber.builder().clientId("server").store(io.scribe.core.spi.Store.inMemory())
                .clock(now.skewed(0)).timer(timer).register(Task.class).wire(Wire.syncro()).onError(e -> { })
                .build();
        Scriber p1 = Scriber.builder().clientId("p1").store(io.scribe.core.spi.Store.inMemory())
                .clock(now.skewed(random.nextInt(2000) - 1000)).timer(timer).pageSize(3).register(Task.class)
                .onError(e -> { }).build();
        net.link(p1, hub);
        SyncroModel named = new SyncroModel("Task", random);
        SyncroModel unnamed = new SyncroModel("Task", random);
        int[] connections = {0};
        net.link(hub, named, () -> "ruby-named");
        net.link(hub, unnamed, () -> "syncro-conn-" + (++connections[0]));
        List<SyncroModel> models = List.of(named, unnamed);

        for (int step = 0; step < 600; step++) {
            now.advance(random.nextInt(3));
            int action = random.nextInt(100);
            if (action < 30) {
                // A Syncro peer changes something.
                SyncroModel m = models.get(random.nextInt(2));
                List<String> ids = new ArrayList<>(m.records().keySet());
                int what = random.nextInt(10);
                if (what < 2 || ids.isEmpty()) {
                    ObjectNode t = Peers.JSON.createObjectNode().put("title", "r" + step).put("done", false)
                            .put("priority", random.nextInt(5));
                    t.putArray("tags");
                    m.create(t);
                } else if (what < 8) {
                    String id = ids.get(random.nextInt(ids.size()));
                    switch (random.nextInt(4)) {
                        case 0 -> m.update(id, "title", Peers.JSON.getNodeFactory().textNode("ruby-" + step));
                        case 1 -> m.update(id, "priority", Peers.JSON.getNodeFactory().numberNode(random.nextInt(9)));
                        case 2 -> m.update(id, "done", Peers.JSON.getNodeFactory().booleanNode(random.nextBoolean()));
                        default -> m.update(id, "priority", Peers.JSON.getNodeFactory().textNode("urgent"));
                    }
                } else if (what < 9) {
                    m.destroy(ids.get(random.nextInt(ids.size())));
                } else if (random.nextInt(4) == 0 && (m == unnamed || RESTARTS)) {
                    // A peer that lost its dump comes back empty on its next connection.
                    Network.Link link = net.links().get(m == named ? 1 : 2);
                    link.cut();
                    m.restartEmpty();
                }
            } else if (action < 50) {
                Scriber p = random.nextBoolean() ? hub : p1;
                List<Task> live = new ArrayList<>(p.all(Task.class));
                live.sort(java.util.Comparator.comparing(Task::id));
                if (action < 36 || live.isEmpty()) {
                    p.create(new Task(p.id() + "-task-" + step, "s" + step, random.nextInt(5)));
                } else if (action < 48) {
                    Task t = live.get(random.nextInt(live.size()));
                    if (random.nextBoolean()) {
                        t.setTitle(p.id() + "-" + step);
                    } else {
                        t.setPriority(random.nextInt(9));
                    }
                    p.save(t);
                } else {
                    p.destroy(live.get(random.nextInt(live.size())));
                }
            } else if (action < 54) {
                net.toggleRandomLink();
            } else {
                net.deliverSome(random.nextInt(6));
            }
            for (SyncroModel m : models) {
                if (m.crash() != null) {
                    Network.Link l = net.links().get(m == named ? 1 : 2);
                    List<String> toPeer = l.deliveredToB();
                    List<String> toHub = l.deliveredToA();
                    assertThat(m.crashReport()).as("the " + (m == named ? "recognised" : "unrecognised")
                            + " Syncro peer raised at step " + step + "\nlast to the peer: "
                            + toPeer.subList(Math.max(0, toPeer.size() - 6), toPeer.size()) + "\nlast to the hub: "
                            + toHub.subList(Math.max(0, toHub.size() - 6), toHub.size())).isNull();
                }
            }
        }
        heal(net, now);
        for (SyncroModel m : models) {
            assertThat(m.crashReport()).as("a Syncro peer raised").isNull();
        }
        Map<String, JsonNode> expected = states(hub);
        assertThat(expected).as("the run made objects").isNotEmpty();
        assertThat(differences(states(p1), expected)).as("objects of p1 unlike the hub's").isEmpty();
        for (SyncroModel m : models) {
            Map<String, String> differences = differences(m.records(), expected);
            StringBuilder why = new StringBuilder();
            differences.keySet().forEach(id -> why.append("\n").append(id).append(" (stored by the hub: ")
                    .append(hub.store().object("Task", id).map(Json::toJson).orElse(null)).append("):\n  ")
                    .append(String.join("\n  ", m.trace(id))));
            if (!differences.isEmpty()) {
                Network.Link l = net.links().get(m == named ? 1 : 2);
                List<String> toPeer = l.deliveredToB();
                List<String> toHub = l.deliveredToA();
                why.append("\nlast to the peer: ").append(toPeer.subList(Math.max(0, toPeer.size() - 4), toPeer.size()))
                        .append("\nlast to the hub: ").append(toHub.subList(Math.max(0, toHub.size() - 4), toHub.size()));
            }
            assertThat(differences).as("records of the " + (m == named ? "recognised" : "unrecognised")
                    + " Syncro peer unlike the hub's" + why).isEmpty();
        }
    }

    /** Each id whose object differs, with both versions ({@code null}: absent). */
    private static Map<String, String> differences(Map<String, ? extends JsonNode> actual, Map<String, JsonNode> expected) {
        Map<String, String> result = new TreeMap<>();
        java.util.Set<String> ids = new java.util.TreeSet<>(actual.keySet());
        ids.addAll(expected.keySet());
        for (String id : ids) {
            JsonNode a = actual.get(id);
            JsonNode e = expected.get(id);
            if (a == null || !a.equals(e)) {
                result.put(id, a + " but the hub has " + e);
            }
        }
        return result;
    }

    /** Every live Task of a peer as its synced fields with its tags sorted, by id. */
    private static Map<String, String> sortedTags(Scriber peer) {
        Map<String, String> result = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : states(peer).entrySet()) {
            ObjectNode fields = (ObjectNode) e.getValue();
            java.util.TreeSet<String> sorted = new java.util.TreeSet<>();
            fields.get("tags").forEach(t -> sorted.add(t.asText()));
            ArrayNode tags = fields.putArray("tags");
            sorted.forEach(tags::add);
            result.put(e.getKey(), fields.toString());
        }
        return result;
    }

    /** Every live Task of a peer as its synced fields in JSON, by id. */
    private static Map<String, JsonNode> states(Scriber peer) {
        Map<String, JsonNode> result = new TreeMap<>();
        for (Task t : peer.all(Task.class)) {
            ObjectNode fields = Peers.JSON.createObjectNode().put("id", t.id()).put("title", t.title())
                    .put("done", t.done()).put("priority", t.priority());
            ArrayNode tags = fields.putArray("tags");
            t.tags().forEach(tags::add);
            result.put(t.id(), fields);
        }
        return result;
    }

    /**
     * Reconnects every link and delivers everything, with what the engine does on its timer in between (held
     * acknowledgements, acknowledged positions, retries, scheduled compaction) for a few virtual seconds, then again.
     */
    private static void heal(Network net, ManualClock now) {
        for (int round = 0; round < 3; round++) {
            net.heal();
            now.advance(1500);
        }
        net.heal();
    }

    private void run(long seed, boolean serverWins) {
        run(seed, serverWins, false);
    }

    private void run(long seed, boolean serverWins, boolean setTags) {
        run(seed, serverWins, setTags, false, false);
    }

    private void run(long seed, boolean serverWins, boolean setTags, boolean listTags) {
        run(seed, serverWins, setTags, listTags, false);
    }

    private void run(long seed, boolean serverWins, boolean setTags, boolean listTags, boolean compacting) {
        Policy<Task> policy = serverWins ? Policy.<Task>defaults().withResolver(Resolver.serverWins("server"))
                : setTags ? Policy.<Task>defaults().withSetMerge("tags")
                : listTags ? Policy.<Task>defaults().withListMerge("tags") : Policy.<Task>defaults();
        Random random = new Random(seed);
        Network net = new Network(random).chunked(true).duplicates(0.05);
        ManualClock now = new ManualClock(1_700_000_000_000L);
        // Held acknowledgements, retries and compaction run at the same steps of a seed's run every time.
        ManualTimer timer = now.timer();
        List<Scriber> peers = new ArrayList<>();
        String[] ids = {"server", "p1", "p2"};
        for (int i = 0; i < 3; i++) {
            Scriber.Builder b = Scriber.builder().clientId(ids[i]).store(io.scribe.core.spi.Store.inMemory())
                    .clock(now.skewed(random.nextInt(2000) - 1000)).timer(timer).pageSize(3 + random.nextInt(5))
                    .onError(e -> { });
            if (compacting) {
                b.compaction(java.time.Duration.ofDays(365), java.time.Duration.ofMillis(20 + random.nextInt(300)));
            }
            if (i == 0) {
                // A peer reading the hub's log from its start (a client whose cursor is still empty, a late joiner)
                // gets a snapshot once the log holds a scribe per object.
                b.newPeerSnapshot(1);
            }
            b.register(Task.class, policy);
            peers.add(b.build());
        }
        Scriber hub = peers.get(0);
        net.link(peers.get(1), hub);
        net.link(peers.get(2), hub);
        String[] shared = {"s1", "s2", "s3", "s4"};

        for (int step = 0; step < 1000; step++) {
            now.advance(random.nextInt(3));
            int action = random.nextInt(100);
            Scriber p = peers.get(random.nextInt(peers.size()));
            List<Task> live = p.all(Task.class);
            if (action < 12) {
                // Identities are never reused once compacted away (see Compactor): with compaction, only fresh ones.
                // Fresh ids are made here rather than left to the engine (a random UUID), so that a seed replays.
                String id = random.nextInt(3) == 0 && !compacting ? shared[random.nextInt(shared.length)]
                        : p.id() + "-" + step;
                try {
                    p.create(new Task(id, "t" + step, random.nextInt(5)));
                } catch (IllegalStateException exists) {
                    // this peer already knows that id
                }
            } else if (action < 50 && !live.isEmpty()) {
                Task t = live.get(random.nextInt(live.size()));
                switch (random.nextInt(4)) {
                    case 0 -> t.setTitle(p.id() + "-" + step);
                    case 1 -> t.setPriority(random.nextInt(10));
                    case 2 -> {
                        String tag = "g" + random.nextInt(4);
                        List<String> tags = t.tags();
                        if (listTags) {
                            if (!tags.isEmpty() && random.nextBoolean()) {
                                tags.remove(random.nextInt(tags.size()));
                            } else {
                                tags.add(random.nextInt(tags.size() + 1), tag);
                            }
                        } else if (setTags && t.tags().contains(tag) && random.nextBoolean()) {
                            t.tags().remove(tag);
                        } else if (!setTags || !t.tags().contains(tag)) {
                            t.tag(tag);
                        }
                    }
                    default -> t.complete();
                }
                p.save(t);
            } else if (action < 54 && !live.isEmpty()) {
                p.destroy(live.get(random.nextInt(live.size())));
            } else if (action < 57) {
                net.toggleRandomLink();
            } else if (compacting && action < 62) {
                // Clients compact too: they relay through the hub, so it is a no-op (see Compactor).
                peers.get(random.nextInt(peers.size())).compact();
            } else {
                net.deliverSome(random.nextInt(6));
            }
        }
        heal(net, now);
        if (compacting) {
            // Everything acknowledged goes; a peer that joins now starts from a snapshot.
            for (int i = 0; i < 2; i++) {
                peers.forEach(Scriber::compact);
                heal(net, now);
            }
            Scriber late = Scriber.builder().clientId("late").store(io.scribe.core.spi.Store.inMemory()).clock(now)
                    .timer(timer).pageSize(3).onError(e -> { }).register(Task.class, policy).build();
            net.link(late, hub);
            heal(net, now);
            assertThat(hub.store().readAfter(0, 1000).size()).as("log left on the hub").isLessThan(20);
            peers.add(late);
        } else {
            // A peer that joins now is answered a snapshot of the log it reads from the start.
            Scriber late = Scriber.builder().clientId("late").store(io.scribe.core.spi.Store.inMemory()).clock(now)
                    .timer(timer).pageSize(3).onError(e -> { }).register(Task.class, policy).build();
            Network.Link link = net.link(late, hub);
            heal(net, now);
            assertThat(Peers.ofType(link.deliveredToA(), "response")).as("a snapshot page")
                    .anySatisfy(r -> assertThat(r.path("snapshot").isObject()).isTrue());
            peers.add(late);
        }

        // A merged set's order is not synced: compare its elements.
        java.util.function.Function<Scriber, Map<String, String>> tasks = setTags ? ConvergenceTest::sortedTags
                : Peers::tasks;
        Map<String, String> expected = tasks.apply(hub);
        assertThat(expected).as("the run made objects").isNotEmpty();
        for (Scriber p : peers) {
            Map<String, String> actual = tasks.apply(p);
            Map<String, String> diff = new TreeMap<>();
            expected.forEach((k, v) -> {
                if (!v.equals(actual.get(k))) {
                    diff.put(k, "hub: " + v + " / " + p.id() + ": " + actual.get(k));
                }
            });
            actual.forEach((k, v) -> {
                if (!expected.containsKey(k)) {
                    diff.put(k, "hub: none / " + p.id() + ": " + v);
                }
            });
            assertThat(diff).as("objects of " + p.id() + " that differ from the hub's").isEmpty();
        }
        // Stored states agree with the live objects: a restart would give the same result. (On the run's timer:
        // a Scriber that owns its timer holds a thread until closed, and many seeds are run in one JVM.)
        for (Scriber p : peers) {
            Map<String, String> fromStore = new TreeMap<>();
            try (Scriber restarted = Scriber.builder().clientId(p.id() + "-restarted").store(p.store())
                    .timer(timer).register(Task.class, policy).build()) {
                restarted.all(Task.class).forEach(t -> fromStore.put(t.id(), t.toString()));
                assertThat(setTags ? sortedTags(restarted) : fromStore).as("restored objects of " + p.id())
                        .isEqualTo(expected);
            }
        }
        peers.forEach(Scriber::close);
    }
}
