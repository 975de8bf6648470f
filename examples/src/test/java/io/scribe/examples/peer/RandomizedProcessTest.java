package io.scribe.examples.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.examples.peer.PeerProcessTest.Proc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The example peer as users run it, each peer its own process on a file store: a hub and two peers, driven at random
 * through standard input, while peers and the hub are killed (SIGKILL), stopped (SIGTERM) or quit and started again
 * on their data directories, online and offline. Each peer creates, edits and deletes tasks of its own, and a command
 * counts as done once the peer shows its effect; at the end every process shows exactly the tasks expected, with the
 * last values their owner gave them: nothing a peer showed is lost, nothing deleted comes back.
 *
 * Again with a hub that compacts its log, peers coming back to snapshots.
 *
 * <p>Seeds: one fixed; {@code -Dscribe.procSeeds=N} adds N fresh ones, {@code -Dscribe.procSeed=S} runs S alone.
 */
class RandomizedProcessTest {

    private static final int STEPS = 40;
    private static final String[] PEERS = {"alice", "bob"};
    /** How a process is ended: SIGKILL, SIGTERM or the {@code quit} command. */
    private static final List<String> ENDINGS = List.of("KILL", "TERM", "quit");

    @TempDir
    Path dir;

    static Stream<Long> seeds() {
        String one = System.getProperty("scribe.procSeed");
        if (one != null) {
            return Stream.of(Long.parseLong(one));
        }
        return Stream.concat(Stream.of(20261205L), LongStream.range(0, Integer.getInteger("scribe.procSeeds", 0))
                .mapToObj(i -> new Random().nextLong()));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersKilledAndRestartedOnTheirFileStoresEndWithEveryTaskTheyShowed(long seed) throws Exception {
        play(new Run(seed, dir.resolve("s" + Long.toUnsignedString(seed)), false));
    }

    /**
     * The same with a hub that compacts its log every 200 ms for peers seen within a second; a peer ended is
     * sometimes started again only after that second, and comes back to a snapshot.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersOfACompactingHubKilledAndRestartedEndWithEveryTaskTheyShowed(long seed) throws Exception {
        play(new Run(seed, dir.resolve("c" + Long.toUnsignedString(seed)), true));
    }

    private static void play(Run run) throws Exception {
        try {
            run.play();
        } finally {
            run.stopAll();
        }
    }

    private static final class Run {
        final long seed;
        final Path dir;
        final Random random;
        final int port;
        final Proc[] peers = new Proc[PEERS.length];
        /** The task lines expected, by id: what each owner last showed. */
        final Map<String, String> expected = new TreeMap<>();
        final int[] next = new int[PEERS.length];
        final List<String> steps = new ArrayList<>();
        final boolean compacting;
        Proc hub;

        Run(long seed, Path dir, boolean compacting) throws Exception {
            this.seed = seed;
            this.dir = dir;
            this.compacting = compacting;
            this.random = new Random(seed);
            this.port = PeerProcessTest.freePort();
        }

        void play() throws Exception {
            startHub();
            for (int i = 0; i < PEERS.length; i++) {
                start(i);
                peers[i].awaitErr("connected to hub");
            }
            for (int step = 0; step < STEPS; step++) {
                step(random.nextInt(PEERS.length), random.nextInt(100));
            }
            if (hub == null) {
                startHub();
            }
            List<String> lines = new ArrayList<>(expected.values());
            lines.add("# " + expected.size() + " tasks");
            try {
                PeerProcessTest.awaitShows(lines, hub, peers[0], peers[1]);
            } catch (AssertionError e) {
                throw new AssertionError("seed " + seed + " (-Dscribe.procSeed=" + seed + "), steps:\n  "
                        + String.join("\n  ", steps) + "\n" + e.getMessage(), e);
            }
            if (compacting) {
                hub.send("log");
                String log = null;
                while (log == null || !log.startsWith("# log:")) {
                    log = hub.out.poll(30, TimeUnit.SECONDS);
                    assertThat(log).as("the hub's log line").isNotNull();
                }
                assertThat(log).as("the hub compacted").doesNotContain("compacted through 0,");
            }
        }

        Proc launch(String... args) throws Exception {
            return new Proc(null, Proc.peerCommand(Proc.fileStoreFlags(), List.of(args)));
        }

        void startHub() throws Exception {
            List<String> args = new ArrayList<>(List.of("--id", "hub", "--listen", Integer.toString(port), "--store",
                    "file:" + dir.resolve("hub")));
            if (compacting) {
                args.addAll(List.of("--compact-every", "200ms", "--retention", "1s"));
            }
            hub = launch(args.toArray(String[]::new));
            hub.awaitErr("listening on");
            steps.add("hub starts");
        }

        void start(int i) throws Exception {
            peers[i] = launch("--id", PEERS[i], "--connect", "127.0.0.1:" + port, "--store",
                    "file:" + dir.resolve(PEERS[i]));
        }

        /** Ends {@code p} as {@code how} says: {@code KILL}, {@code TERM} or {@code quit}; waits until it is gone. */
        void end(Proc p, String how) throws Exception {
            if (how.equals("quit")) {
                p.send("quit");
            } else {
                assertThat(new ProcessBuilder("kill", "-" + how, Long.toString(p.process.pid())).start().waitFor())
                        .isZero();
            }
            if (!p.process.waitFor(30, TimeUnit.SECONDS)) {
                p.process.destroyForcibly();
                throw new AssertionError("the process did not end after " + how);
            }
        }

        void step(int i, int dice) throws Exception {
            Proc p = peers[i];
            String me = PEERS[i];
            List<String> mine = expected.keySet().stream().filter(id -> id.startsWith(me.charAt(0) + "")).toList();
            if (dice < 30 || mine.isEmpty() && dice < 70) {
                String id = me.charAt(0) + Integer.toString(next[i]++);
                int priority = random.nextInt(10);
                p.send("new " + id + " title=t" + random.nextInt(1000) + " priority=" + priority);
                settled(i, id);
            } else if (dice < 60) {
                String id = mine.get(random.nextInt(mine.size()));
                switch (random.nextInt(3)) {
                    case 0 -> p.send("set " + id + " title v" + random.nextInt(1000));
                    case 1 -> p.send("set " + id + " priority " + random.nextInt(10));
                    default -> p.send("set " + id + " done " + random.nextBoolean());
                }
                settled(i, id);
            } else if (dice < 68) {
                String id = mine.get(random.nextInt(mine.size()));
                p.send("del " + id);
                settled(i, id);
            } else if (dice < 90) {
                String how = ENDINGS.get(random.nextInt(ENDINGS.size()));
                end(p, how);
                boolean away = compacting && random.nextBoolean();
                if (away) {
                    Thread.sleep(1_500);
                }
                start(i);
                steps.add(me + " ended (" + how + ") and started again" + (away ? " after 1.5 s" : ""));
            } else if (hub != null) {
                String how = ENDINGS.get(random.nextInt(ENDINGS.size()));
                end(hub, how);
                hub = null;
                steps.add("hub ended (" + how + ")");
            } else {
                startHub();
            }
        }

        /** Reads peer {@code i}'s task {@code id} from its {@code show}, after the command just sent, as expected. */
        void settled(int i, String id) throws InterruptedException {
            String line = null;
            for (String l : peers[i].show()) {
                if (l.startsWith(id + " ")) {
                    line = l;
                }
            }
            if (line == null) {
                expected.remove(id);
            } else {
                expected.put(id, line);
            }
            steps.add(PEERS[i] + ": " + (line == null ? id + " deleted" : line));
        }

        void stopAll() throws InterruptedException {
            List<Proc> all = new ArrayList<>();
            for (Proc p : peers) {
                if (p != null) {
                    all.add(p);
                }
            }
            if (hub != null) {
                all.add(hub);
            }
            PeerProcessTest.quitAll(all);
        }
    }
}
