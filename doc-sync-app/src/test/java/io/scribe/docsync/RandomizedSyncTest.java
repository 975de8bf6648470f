package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.docsync.client.DocClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Users' sessions played at random against a real server (on PostgreSQL; again on a compacting server, and on its
 * embedded store) and real clients (SQLite): creates, edits,
 * shares and deletes on three clients of ann and one of bob, with whom ann shares some documents, while the server
 * goes down and comes back, connections drop and clients are closed and started again on their data directories,
 * online and offline. At the end, with everything back, every client holds what the server holds for its user (the
 * same documents, titles, contents and versions), nothing is left pending, and no edit is lost: each client writes
 * content keys of its own, so the last value each client gave a key is the value every side ends with, in every
 * document not deleted; a deleted document is gone everywhere, a created one nowhere lost. A key every client writes
 * ({@code "s"}) and the titles are written concurrently: for them the sides only have to agree.
 *
 * <p>Seeds: two fixed ones; {@code -Dscribe.docSeeds=N} adds N fresh ones, {@code -Dscribe.docSeed=S} runs S
 * alone: the same choices (which client, which document, which key), though not the same timing of delivery. A
 * failure names its seed, its steps and the server's event log of the document that differs.
 */
class RandomizedSyncTest {

    /** Clients 0 to 2 are ann's, the last one bob's. */
    private static final int CLIENTS = 4;
    private static final int BOB = CLIENTS - 1;
    private static final String ANN = "ann@example.com";
    private static final String BOB_EMAIL = "bob@example.com";
    private static final int STEPS = 60;

    @TempDir
    Path dir;

    static Stream<Long> seeds() {
        String one = System.getProperty("scribe.docSeed");
        if (one != null) {
            return Stream.of(Long.parseLong(one));
        }
        int fresh = Integer.getInteger("scribe.docSeeds", 0);
        return Stream.concat(Stream.of(20261205L, 7L), LongStream.range(0, fresh)
                .mapToObj(i -> new Random().nextLong()));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void clientsAndServerEndWithTheSameDocumentsAndNoEditLost(long seed) throws Exception {
        try (Harness h = new Harness(dir.resolve("s" + Long.toUnsignedString(seed)))) {
            new Run(h, seed, false, false).play();
        }
    }

    /** The same against a server on its embedded store (no database), restarted on it. */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void withTheServerOnItsEmbeddedStoreClientsAndServerEndWithTheSameDocuments(long seed) throws Exception {
        try (Harness h = new Harness(dir.resolve("e" + Long.toUnsignedString(seed)))) {
            new Run(h, seed, false, true).play();
        }
    }

    /**
     * The same against a server that compacts its log every 100 ms for clients seen within 300 ms: a client away
     * longer than that comes back to a snapshot.
     */
    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void withACompactingServerClientsAwayLongerThanTheRetentionComeBackToTheSameDocuments(long seed)
            throws Exception {
        try (Harness h = new Harness(dir.resolve("c" + Long.toUnsignedString(seed)))) {
            new Run(h, seed, true, false).play();
        }
    }

    /** One seeded session: the clients, what each wrote, what was created and deleted. */
    private static final class Run {
        final Harness h;
        final long seed;
        final Random random;
        final DocClient[] clients = new DocClient[CLIENTS];
        /**
         * Per document, in the order they were created, per content key, the last value written (keys are owned by
         * one client each).
         */
        final Map<String, Map<String, Integer>> written = new java.util.LinkedHashMap<>();
        final Set<String> deleted = new LinkedHashSet<>();
        final Set<String> sharedWithBob = new LinkedHashSet<>();
        String[] bobCredential;
        final List<String> steps = new ArrayList<>();
        boolean serverUp = true;
        int serverRestarts;
        final boolean compacting;
        /** Whether the server keeps its store in its data directory (SQLite) instead of PostgreSQL. */
        final boolean embedded;
        /** When each client went away (closed until a later step brings it back), or 0 while it is not away. */
        final long[] awaySince = new long[CLIENTS];

        Run(Harness h, long seed, boolean compacting, boolean embedded) {
            this.h = h;
            this.seed = seed;
            this.random = new Random(seed);
            this.compacting = compacting;
            this.embedded = embedded;
        }

        io.scribe.docsync.server.DocServer.Config config() {
            var config = io.scribe.docsync.server.DocServer.Config.of(embedded ? null : h.databaseUrl(),
                    h.dir.resolve("server"), h.port);
            return compacting ? config.withCompaction(Duration.ofMillis(100), Duration.ofMillis(300)) : config;
        }

        void play() throws Exception {
            h.startServer(config());
            bobCredential = h.server.createCredential("bob");
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    clients[i] = start(i);
                    clients[i].awaitConnected(Duration.ofSeconds(10));
                }
                for (int step = 0; step < STEPS; step++) {
                    step(random.nextInt(CLIENTS), random.nextInt(100));
                    if (random.nextInt(4) == 0) {
                        Thread.sleep(random.nextInt(60));
                    }
                }
                if (!serverUp) {
                    up();
                }
                for (int i = 0; i < CLIENTS; i++) {
                    if (awaySince[i] != 0) {
                        comeBack(i);
                    }
                }
                check();
            } finally {
                for (DocClient c : clients) {
                    if (c != null) {
                        c.close(); // idempotent: a client away was closed when it left
                    }
                }
            }
        }

        DocClient start(int i) {
            DocClient c = i == BOB ? h.client("c" + i, BOB_EMAIL, bobCredential[0], bobCredential[1])
                    : h.client("c" + i, ANN);
            h.clients.remove(c);
            return c;
        }

        void step(int i, int dice) throws Exception {
            if (awaySince[i] != 0) {
                if (dice < 50) {
                    comeBack(i);
                }
                return;
            }
            DocClient c = clients[i];
            // In the order they were created, not by their random ids: a seed replays the same steps.
            List<String> held = written.keySet().stream().filter(id -> c.get(id).isPresent()).toList();
            if (i == BOB && (dice < 20 || dice >= 75 && dice < 82) && !held.isEmpty()) {
                dice = 20; // bob only edits what ann shares with him
            }
            if (dice < 20 || held.isEmpty()) {
                if (i == BOB) {
                    return;
                }
                ObjectNode content = JSON.createObjectNode();
                Map<String, Integer> keys = new HashMap<>();
                int k = random.nextInt(3);
                for (int j = 0; j < k; j++) {
                    int v = random.nextInt(1000);
                    content.put(key(i, j), v);
                    keys.put(key(i, j), v);
                }
                boolean share = random.nextInt(3) == 0;
                String id = c.create("doc by c" + i, content, share ? List.of(BOB_EMAIL) : List.of());
                written.put(id, keys);
                if (share) {
                    sharedWithBob.add(id);
                }
                note("c%d creates %s %s%s", i, id, content, share ? " shared with bob" : "");
            } else if (dice < 75) {
                String id = held.get(random.nextInt(held.size()));
                boolean common = random.nextInt(8) == 0;
                String key = common ? "s" : key(i, random.nextInt(3));
                boolean remove = random.nextInt(6) == 0;
                int v = random.nextInt(1000);
                String title = random.nextInt(5) == 0 ? "title " + v + " by c" + i : null;
                c.update(id, title, content -> remove ? removed(content, key) : content.put(key, v));
                if (!common) {
                    Map<String, Integer> keys = written.computeIfAbsent(id, x -> new HashMap<>());
                    if (remove) {
                        keys.remove(key);
                    } else {
                        keys.put(key, v);
                    }
                }
                note("c%d sets %s %s=%s%s", i, id, key, remove ? "(removed)" : v, title == null ? "" : " title");
            } else if (dice < 79) {
                String id = held.get(random.nextInt(held.size()));
                c.delete(id);
                deleted.add(id);
                note("c%d deletes %s", i, id);
            } else if (dice < 82) {
                List<String> notShared = held.stream().filter(id -> !sharedWithBob.contains(id)).toList();
                if (!notShared.isEmpty()) {
                    String id = notShared.get(random.nextInt(notShared.size()));
                    c.share(id, BOB_EMAIL);
                    sharedWithBob.add(id);
                    note("c%d shares %s with bob", i, id);
                }
            } else if (dice < 85) {
                c.reconnect();
                note("c%d drops its connection", i);
            } else if (dice < 88) {
                c.close();
                clients[i] = start(i);
                note("c%d restarted", i);
            } else if (dice < 91) {
                c.close();
                awaySince[i] = System.nanoTime();
                note("c%d goes away", i);
            } else if (serverUp && serverRestarts < 3) {
                h.server.close();
                serverUp = false;
                note("server down");
            } else if (!serverUp) {
                up();
            }
        }

        /** Starts client {@code i} again after it was away, longer than the retention of a compacting server. */
        void comeBack(int i) throws InterruptedException {
            long away = (System.nanoTime() - awaySince[i]) / 1_000_000;
            if (compacting && away < 400) {
                Thread.sleep(400 - away);
            }
            awaySince[i] = 0;
            clients[i] = start(i);
            note("c%d comes back", i);
        }

        void up() {
            h.startServer(config());
            serverUp = true;
            serverRestarts++;
            note("server up");
        }

        static ObjectNode removed(ObjectNode content, String key) {
            content.remove(key);
            return content;
        }

        static String key(int client, int j) {
            return "c" + client + "k" + j;
        }

        void note(String format, Object... args) {
            steps.add(String.format(format, args));
        }

        void check() throws Exception {
            String context = "seed " + seed + " (-Dscribe.docSeed=" + seed + "), steps:\n  "
                    + String.join("\n  ", steps);
            try {
                Harness.await("every client caught up, nothing pending, all equal to the server", () -> {
                    for (int i = 0; i < CLIENTS; i++) {
                        DocClient c = clients[i];
                        if (!c.isSynced() || c.pendingCount() != 0 || !view(c).equals(serverView(i == BOB))) {
                            return false;
                        }
                    }
                    return true;
                });
            } catch (AssertionError e) {
                StringBuilder sb = new StringBuilder(context).append("\nserver: ").append(serverView(false));
                for (int i = 0; i < CLIENTS; i++) {
                    sb.append("\nc").append(i).append(" synced=").append(clients[i].isSynced()).append(" pending=")
                            .append(clients[i].pendingCount()).append(": ").append(view(clients[i]));
                }
                throw new AssertionError(e.getMessage() + "; " + sb, e);
            }
            Map<String, String> server = serverView(false);
            for (Map.Entry<String, Map<String, Integer>> doc : written.entrySet()) {
                String id = doc.getKey();
                if (deleted.contains(id)) {
                    assertThat(server).as("deleted %s; %s", id, context).doesNotContainKey(id);
                    continue;
                }
                assertThat(server).as("created %s; %s", id, context).containsKey(id);
                ObjectNode content = h.server.scriber().find(Document.class, id).orElseThrow().content();
                Map<String, Integer> actual = new HashMap<>();
                content.fields().forEachRemaining(e -> actual.put(e.getKey(), e.getValue().asInt()));
                actual.remove("s");
                assertThat(actual).as("content of %s; %s\nits events: %s", id, context, events(id))
                        .isEqualTo(doc.getValue());
            }
            assertThat(server.keySet()).as(context).isEqualTo(new LinkedHashSet<>(written.keySet().stream()
                    .filter(id -> !deleted.contains(id)).sorted().toList()));
            if (compacting) {
                assertThat(h.rows("SELECT up_to FROM compacted")).as("the log was compacted; %s", context)
                        .isPositive();
            }
            assertThat(serverView(true).keySet()).as("shared with bob; %s", context).isEqualTo(new LinkedHashSet<>(
                    sharedWithBob.stream().filter(id -> !deleted.contains(id)).sorted().toList()));
        }

        /** The server's event log of a document, one line per event, the clients named as in the steps. */
        String events(String id) {
            StringBuilder sb = new StringBuilder();
            for (var e : h.server.db().events(id)) {
                String client = e.path("clientId").asText();
                for (int i = 0; i < CLIENTS; i++) {
                    if (clients[i].clientId().equals(client)) {
                        client = "c" + i;
                    }
                }
                sb.append("\n  #").append(e.path("seq")).append(' ').append(e.path("kind").asText()).append(" by ")
                        .append(client).append(" v").append(e.path("version")).append(e.path("lost").asBoolean()
                        ? " (lost) " : " ").append(e.path("forward"));
            }
            return sb.toString();
        }

        /** What the server holds: every document (all ann's), or those shared with bob. */
        Map<String, String> serverView(boolean bob) {
            Map<String, String> view = new TreeMap<>();
            for (Document d : h.server.scriber().all(Document.class)) {
                if (!bob || d.isSharedWith(BOB_EMAIL)) {
                    view.put(d.id(), describe(d));
                }
            }
            return view;
        }

        static Map<String, String> view(DocClient c) {
            Map<String, String> view = new TreeMap<>();
            for (Document d : c.list()) {
                view.put(d.id(), describe(d));
            }
            return view;
        }

        /** The version, title and content (its keys in order: JSON objects are unordered). */
        static String describe(Document d) {
            Map<String, String> content = new TreeMap<>();
            d.content().fields().forEachRemaining(e -> content.put(e.getKey(), e.getValue().toString()));
            return "v" + d.version() + " " + d.title() + " " + content;
        }
    }
}
