package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random sessions over real sockets: a hub serving TCP, WebSocket and the HTTP sync API, and one peer on each,
 * creating, editing and destroying notes of a few shared identities while peers are closed and started again on
 * their stores, stay away for a while, and the hub itself restarts on its store. At the end every peer holds the
 * same notes, every identity destroyed anywhere is gone everywhere, and every identity created and never destroyed
 * is held everywhere. Run against a plain hub (the peers share identities: concurrent creates of one, and creates
 * of identities destroyed elsewhere) and against a hub that compacts its log and answers new peers a snapshot, so
 * that peers come back to snapshots, over sockets and over HTTP (there each peer creates identities of its own,
 * never one destroyed: a compacting hub removes tombstones).
 *
 * <p>Seeds: two fixed ones; {@code -Dscribe.netSeeds=N} adds N fresh ones, {@code -Dscribe.netSeed=S} runs S
 * alone (the same choices; the timing of delivery differs from run to run). A failure names its seed and steps.
 */
class RandomizedTransportTest extends ClosingTest {

    private static final int STEPS = 50;
    private static final String[] KINDS = {"tcp", "ws", "http"};

    static Stream<Long> seeds() {
        String one = System.getProperty("scribe.netSeed");
        if (one != null) {
            return Stream.of(Long.parseLong(one));
        }
        int fresh = Integer.getInteger("scribe.netSeeds", 0);
        return Stream.concat(Stream.of(31L, 20261205L), LongStream.range(0, fresh)
                .mapToObj(i -> new Random().nextLong()));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersOnEveryTransportEndWithTheSameNotes(long seed) throws Exception {
        new Run(seed, false).play();
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void peersOfACompactingHubThatAnswersSnapshotsEndWithTheSameNotes(long seed) throws Exception {
        new Run(seed, true).play();
    }

    /** One seeded session. */
    private final class Run {
        final long seed;
        final boolean compacting;
        final Random random;
        final Store hubStore = Store.inMemory();
        final Store[] stores = {Store.inMemory(), Store.inMemory(), Store.inMemory()};
        final Scriber[] peers = new Scriber[KINDS.length];
        final ScribeClient[] clients = new ScribeClient[KINDS.length];
        final Set<String> created = new TreeSet<>();
        final Set<String> destroyed = new TreeSet<>();
        final List<String> steps = new ArrayList<>();
        Scriber hub;
        ScribeServer server;
        int tcpPort;
        int wsPort;

        Run(long seed, boolean compacting) {
            this.seed = seed;
            this.compacting = compacting;
            this.random = new Random(seed);
        }

        void play() throws Exception {
            startHub();
            for (int i = 0; i < KINDS.length; i++) {
                start(i);
                clients[i].awaitSession(WAIT);
            }
            try {
                for (int step = 0; step < STEPS; step++) {
                    step(random.nextInt(KINDS.length), random.nextInt(100));
                    if (random.nextInt(3) == 0) {
                        Thread.sleep(random.nextInt(40));
                    }
                }
                if (server == null) {
                    startHub();
                }
                for (int i = 0; i < KINDS.length; i++) {
                    if (peers[i] == null) {
                        start(i);
                    }
                }
                if (compacting) {
                    // However short the run: one peer away past the retention while the hub compacts, then back.
                    int away = random.nextInt(KINDS.length);
                    stop(away);
                    Thread.sleep(400);
                    hub.compact();
                    start(away);
                    note("%s away while the hub compacts, then back", KINDS[away]);
                }
                check();
            } finally {
                for (int i = 0; i < KINDS.length; i++) {
                    stop(i);
                }
                stopHub();
            }
        }

        void startHub() {
            Scriber.Builder b = Scriber.builder().clientId("hub").store(hubStore).register(Note.class)
                    .requestTimeout(Duration.ofSeconds(10)).onError(e -> { });
            if (compacting) {
                b.compaction(Duration.ofMillis(100), Duration.ofMillis(300)).newPeerSnapshot(1);
            }
            hub = b.build();
            server = ScribeServer.builder(hub).tcp(tcpPort).webSocket(wsPort, "/scribe")
                    .heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5)).httpSync(HttpSync.defaults()).start();
            tcpPort = server.tcpAddress().getPort();
            wsPort = server.webSocketUri().getPort();
        }

        void stopHub() {
            if (server != null) {
                server.close();
                hub.close();
                server = null;
            }
        }

        void start(int i) {
            peers[i] = Peers.peer(KINDS[i] + "-peer", stores[i]);
            ScribeClient.Builder b = switch (KINDS[i]) {
                case "tcp" -> ScribeClient.tcp(peers[i], "127.0.0.1", tcpPort);
                case "ws" -> ScribeClient.webSocket(peers[i], URI.create("ws://127.0.0.1:" + wsPort + "/scribe"));
                default -> ScribeClient.http(peers[i], URI.create("http://127.0.0.1:" + wsPort))
                        .poll(Duration.ofMillis(20), Duration.ofMillis(100));
            };
            clients[i] = b.reconnect(FAST).start();
        }

        void stop(int i) {
            if (peers[i] != null) {
                clients[i].close();
                peers[i].close();
                peers[i] = null;
            }
        }

        void step(int i, int dice) throws Exception {
            Scriber p = peers[i];
            if (p == null) {
                if (dice < 40) {
                    if (compacting) {
                        Thread.sleep(350);
                    }
                    start(i);
                    note("%s comes back", KINDS[i]);
                }
                return;
            }
            // The peers share identities: two may create one concurrently, or one create an identity destroyed
            // elsewhere before it heard of that, and the hub's tombstone wins everywhere. Not with a compacting hub,
            // which removes tombstones with the log: there identities are not to be reused (PROTOCOL.md,
            // "Compaction and snapshots"), so each peer creates identities of its own, once.
            int creator = compacting && dice < 30 ? i : random.nextInt(KINDS.length);
            String id = (compacting ? KINDS[creator] + "-" : "") + "n" + random.nextInt(8);
            Note held = p.find(Note.class, id).orElse(null);
            if (dice < 30) {
                if (held == null && !tombstoned(p, id) && !(compacting && destroyed.contains(id))) {
                    p.create(new Note(id, KINDS[i] + " made it", random.nextInt(100)));
                    created.add(id);
                    note("%s creates %s", KINDS[i], id);
                }
            } else if (dice < 70) {
                if (held != null) {
                    held.title = KINDS[i] + " edit " + random.nextInt(1000);
                    held.rank = random.nextInt(100);
                    if (random.nextBoolean()) {
                        held.tags.add(KINDS[i] + random.nextInt(5));
                    }
                    p.save(held);
                    note("%s edits %s", KINDS[i], id);
                }
            } else if (dice < 78) {
                if (held != null) {
                    p.destroy(held);
                    destroyed.add(id);
                    note("%s destroys %s", KINDS[i], id);
                }
            } else if (dice < 86) {
                stop(i);
                start(i);
                note("%s restarts", KINDS[i]);
            } else if (dice < 93) {
                stop(i);
                note("%s goes away", KINDS[i]);
            } else if (server != null) {
                stopHub();
                note("hub stops");
            } else {
                startHub();
                note("hub starts");
            }
        }

        void note(String format, Object... args) {
            steps.add(String.format(format, args));
        }

        void check() {
            Scriber[] all = {hub, peers[0], peers[1], peers[2]};
            String context = "seed " + seed + " (-Dscribe.netSeed=" + seed + "), compacting " + compacting
                    + ", steps:\n  " + String.join("\n  ", steps);
            Set<String> expected = new TreeSet<>(created);
            expected.removeAll(destroyed);
            try {
                Peers.await("every peer holds the same notes", () -> {
                    List<String> first = Peers.state(hub);
                    // Every peer's notes the hub's, the hub's the ones created and not destroyed, and (unless the
                    // hub compacts) every identity destroyed a tombstone on every peer.
                    for (Scriber p : all) {
                        if (!Peers.state(p).equals(first)) {
                            return false;
                        }
                    }
                    // A compacting hub removes tombstones with the log, and so do peers given a snapshot.
                    return ids(hub).equals(expected) && (compacting || destroyed.stream().allMatch(id ->
                            java.util.Arrays.stream(all).allMatch(p -> tombstoned(p, id))));
                });
            } catch (AssertionError e) {
                StringBuilder sb = new StringBuilder(context).append("\nexpected ids ").append(expected)
                        .append(", destroyed ").append(destroyed);
                for (Scriber p : all) {
                    sb.append("\n").append(p.id()).append(": ").append(Peers.state(p)).append(", tombstones ")
                            .append(destroyed.stream().filter(id -> tombstoned(p, id)).toList());
                }
                throw new AssertionError(e.getMessage() + "; " + sb, e);
            }
            if (compacting) {
                assertThat(hub.store().cursor("~compacted")).as("the hub compacted; %s", context).isPresent();
            }
        }

        boolean tombstoned(Scriber p, String id) {
            return p.store().object("Note", id).map(io.scribe.core.spi.ObjectState::destroyed).orElse(false);
        }

        Set<String> ids(Scriber p) {
            Set<String> ids = new TreeSet<>();
            p.all(Note.class).forEach(n -> ids.add(n.id));
            return ids;
        }
    }
}
