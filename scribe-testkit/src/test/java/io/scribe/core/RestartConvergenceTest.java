package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.ManualClock;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A hub and two clients make random changes while links are cut and frames are delivered in random order, split and
 * duplicated, and any of them (the hub too) is closed and started again on its store at random moments, with whatever
 * was in flight lost. When everything is delivered, every peer holds the same objects, and no object created and
 * never destroyed is missing anywhere.
 */
class RestartConvergenceTest {

    static List<Long> seeds() {
        String fixed = System.getProperty("scribe.seed");
        if (fixed != null) {
            return List.of(Long.parseLong(fixed));
        }
        List<Long> seeds = new ArrayList<>(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 42L, 2026L));
        int fresh = Integer.getInteger("scribe.restartSeeds", 2);
        for (int i = 0; i < fresh; i++) {
            seeds.add(System.nanoTime() ^ (i * 0x9E3779B97F4A7C15L));
        }
        return seeds;
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersConvergeAcrossRestarts(long seed) {
        try {
            run(seed, false);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersConvergeAcrossRestartsWhileTheHubCompacts(long seed) {
        try {
            run(seed, true);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("convergence failed for seed " + seed + " (replay: -Dscribe.seed=" + seed + ")", e);
        }
    }

    private static final String[] IDS = {"server", "p1", "p2"};

    private void run(long seed, boolean compacting) {
        Random random = new Random(seed);
        Network net = new Network(random).chunked(true).duplicates(0.05);
        ManualClock now = new ManualClock(1_700_000_000_000L);
        io.scribe.core.spi.Store[] stores = new io.scribe.core.spi.Store[3];
        // One timer on the run's time for all: held acks, retries and compaction run at the same steps every time.
        ManualClock[] clocks = new ManualClock[3];
        int[] pageSizes = new int[3];
        Scriber[] peers = new Scriber[3];
        for (int i = 0; i < 3; i++) {
            stores[i] = io.scribe.core.spi.Store.inMemory();
            clocks[i] = now.skewed(random.nextInt(2000) - 1000);
            pageSizes[i] = 2 + random.nextInt(5);
            peers[i] = build(i, stores[i], clocks[i], pageSizes[i], compacting);
        }
        Network.Link[] links = new Network.Link[3];
        links[1] = net.link(peers[1], peers[0]);
        links[2] = net.link(peers[2], peers[0]);
        Set<String> created = new HashSet<>();
        Set<String> destroyed = new HashSet<>();
        int fresh = 0;

        for (int step = 0; step < 800; step++) {
            now.advance(random.nextInt(3));
            int action = random.nextInt(100);
            int who = random.nextInt(3);
            Scriber p = peers[who];
            List<Task> live = p.all(Task.class);
            if (action < 12) {
                String id = "t" + (fresh++);
                p.create(new Task(id, "t" + step, random.nextInt(5)));
                created.add(id);
            } else if (action < 50 && !live.isEmpty()) {
                Task t = live.get(random.nextInt(live.size()));
                switch (random.nextInt(3)) {
                    case 0 -> t.setTitle(p.id() + "-" + step);
                    case 1 -> t.setPriority(random.nextInt(10));
                    default -> t.complete();
                }
                p.save(t);
            } else if (action < 53 && !live.isEmpty()) {
                Task t = live.get(random.nextInt(live.size()));
                p.destroy(t);
                destroyed.add(t.id());
            } else if (action < 57) {
                int l = 1 + random.nextInt(2);
                if (links[l].isUp()) {
                    links[l].cut();
                } else {
                    links[l].reconnect();
                }
            } else if (action < 60) {
                // A restart: what was in flight on its links is lost, the store keeps what was committed.
                for (int l = 1; l < 3; l++) {
                    if (who == 0 || who == l) {
                        links[l].cut();
                    }
                }
                peers[who].close();
                peers[who] = build(who, stores[who], clocks[who], pageSizes[who], compacting);
                for (int l = 1; l < 3; l++) {
                    if (who == 0 || who == l) {
                        links[l] = net.link(peers[l], peers[0]);
                        if (random.nextInt(3) == 0) {
                            links[l].cut();
                        }
                    }
                }
            } else if (compacting && action < 64) {
                peers[0].compact();
            } else {
                net.deliverSome(random.nextInt(6));
            }
        }
        for (int l = 1; l < 3; l++) {
            if (!links[l].isUp()) {
                links[l].reconnect();
            }
        }
        net.settle();
        if (compacting) {
            for (int i = 0; i < 2; i++) {
                peers[0].compact();
                net.settle();
            }
        }

        Map<String, String> expected = Peers.tasks(peers[0]);
        assertThat(expected).as("the run made objects").isNotEmpty();
        Set<String> kept = new HashSet<>(created);
        kept.removeAll(destroyed);
        assertThat(expected.keySet()).as("objects created and never destroyed, on the hub").containsAll(kept);
        for (Scriber p : peers) {
            Map<String, String> actual = Peers.tasks(p);
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
        for (Scriber p : peers) {
            p.close();
        }
    }

    private static Scriber build(int i, io.scribe.core.spi.Store store, ManualClock clock, int pageSize,
            boolean compacting) {
        Scriber.Builder b = Scriber.builder().clientId(IDS[i]).store(store).clock(clock).timer(clock.timer())
                .pageSize(pageSize).onError(e -> { });
        if (compacting) {
            b.compaction(java.time.Duration.ofDays(365), java.time.Duration.ofMillis(20 + i * 100));
        }
        return b.register(Task.class).build();
    }
}
