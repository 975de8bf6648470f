package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Policy;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.docsync.Document;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.server.DocServer;
import io.scribe.transport.netty.Backoff;
import io.scribe.transport.netty.ScribeClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * doc-sync updates through one server on PostgreSQL with 1, 8 and 64 clients, side by side with raw JDBC inserts of
 * the same event rows (one per transaction, and batched), in one run.
 *
 * <p>doc-sync: each client edits one key of its own document; the clients edit at once, {@code updates} edits in all
 * per configuration. Each edit is a Scribe update over WebSocket that the server authorises, merges, and commits to
 * the PostgreSQL store together with its event-log row (forward and reverse JSON Patches) and its version stamp, in
 * one transaction. Throughput = edits the server applied per second, from the first edit to the last applied. Raw
 * JDBC: one connection inserting {@code updates} event rows with the same patches as JSONB, one auto-committed
 * INSERT each, then the same in batches of {@value #BATCH} rows per transaction; and the raw JDBC writes of every
 * row the server wrote for its edits, {@value #BATCH} edits per transaction (see {@link DocSyncRows}). One warm-up
 * round, then {@code rounds} rounds; the table reports medians.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.DocSyncBenchmark [updates] [rounds]};
 * PostgreSQL at {@code SCRIBE_PG_URL} (default {@code postgresql://127.0.0.1:5432/postgres}, user postgres).
 */
public final class DocSyncBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PG =
            System.getenv().getOrDefault("SCRIBE_PG_URL", "postgresql://127.0.0.1:5432/postgres");
    private static final int[] CLIENTS = {1, 8, 64};
    private static final int BATCH = 100;

    public static void main(String[] args) throws Exception {
        int updates = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String schema = "docsync_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        Path dir = Files.createTempDirectory("doc-sync-bench");
        double[][][] docSync = new double[2][CLIENTS.length][rounds];
        double[] single = new double[rounds];
        double[] batched = new double[rounds];
        double[] same = new double[rounds];
        DocSyncRows rows = null;
        List<DocClient> clients = new ArrayList<>();
        List<Editor> full = new ArrayList<>();
        List<Editor> light = new ArrayList<>();
        try (DocServer server = DocServer.start(DocServer.Config.of(PG + "?user=postgres&schema=" + schema,
                dir.resolve("server"), 0))) {
            int most = CLIENTS[CLIENTS.length - 1];
            for (int i = 0; i < most; i++) {
                // Each client is a user of its own: an edit goes to its writer only, not to every connected client.
                String email = "bench" + i + "@example.com";
                String[] cred = server.createCredential("bench" + i);
                DocClient c = DocClient.start(new DocClient.Options(server.uri(), email, cred[0],
                        cred[1], dir.resolve("client" + i), Backoff.DEFAULT));
                clients.add(c);
                full.add(new Editor() {
                    @Override
                    public String create() {
                        return c.create("bench", JSON.createObjectNode().put("n", 0).put("text", "x".repeat(100)));
                    }

                    @Override
                    public void update(String id, int n) {
                        c.update(id, null, content -> content.put("n", n));
                    }
                });
                String[] memCred = server.createCredential("mem" + i);
                light.add(new MemoryPeer(server, "mem" + i + "@example.com", memCred,
                        "mem-" + i + "-" + UUID.randomUUID()));
            }
            for (DocClient c : clients) {
                c.awaitConnected(Duration.ofSeconds(60));
            }
            String[] kinds = {"doc-sync", "server only"};
            List<List<Editor>> editors = List.of(full, light);
            for (int r = -1; r < rounds; r++) {
                StringBuilder line = new StringBuilder("round " + (r + 1) + ":");
                for (int kind = 0; kind < 2; kind++) {
                    for (int k = 0; k < CLIENTS.length; k++) {
                        double s = docSyncRound(server, editors.get(kind).subList(0, CLIENTS[k]), updates);
                        line.append(String.format(" %s x%d %.0f/s,", kinds[kind], CLIENTS[k], s));
                        if (r >= 0) {
                            docSync[kind][k][r] = s;
                        }
                    }
                }
                double j = rawRound(schema, updates, 1);
                double b = rawRound(schema, updates, BATCH);
                if (rows == null) {
                    rows = new DocSyncRows("jdbc:" + PG + "?user=postgres", schema, BATCH);
                }
                double w = rows.round(updates, BATCH, CLIENTS[CLIENTS.length - 1]);
                if (r >= 0) {
                    single[r] = j;
                    batched[r] = b;
                    same[r] = w;
                }
                System.out.println(line + String.format(" raw single %.0f/s, raw batched %.0f/s, raw same rows %.0f/s",
                        j, b, w));
            }
        } finally {
            for (Editor e : light) {
                ((MemoryPeer) e).close();
            }
            for (DocClient c : clients) {
                c.close();
            }
            try (Connection c = DriverManager.getConnection("jdbc:" + PG + "?user=postgres");
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
        double b = Stats.median(batched);
        double w = Stats.median(same);
        String[] labels = {"doc-sync clients (SQLite)", "in-memory Scribe clients"};
        for (int kind = 0; kind < 2; kind++) {
            for (int k = 0; k < CLIENTS.length; k++) {
                double s = Stats.median(docSync[kind][k]);
                System.out.printf("| updates through one server, %d %s | %,.0f /s | %.2f | %.2f |%n", CLIENTS[k],
                        labels[kind], s, s / b, s / w);
            }
        }
        System.out.printf("| raw JDBC insert of the same event row, one per transaction | %,.0f /s | %.2f | %.2f |%n",
                Stats.median(single), Stats.median(single) / b, Stats.median(single) / w);
        System.out.printf("| raw JDBC inserts, %d rows per transaction | %,.0f /s | 1.00 | %.2f |%n", BATCH, b, b / w);
        System.out.printf("| raw JDBC writes of the rows a server writes, %d edits per transaction | %,.0f /s | %.2f"
                + " | 1.00 |%n", BATCH, w, w / b);
        System.out.printf("(%d updates per configuration, %d rounds, medians; columns: / raw batched event rows,"
                + " / raw same rows)%n", updates, rounds);
    }

    /** Something that creates a document and edits it. */
    interface Editor {
        String create();

        void update(String id, int n);
    }

    /**
     * A client without local durability: a Scribe peer on an in-memory store that authenticates like a doc-sync
     * client and edits Documents directly, so that the figure is the server's own cost.
     */
    static final class MemoryPeer implements Editor {
        private final Scriber scriber;
        private final ScribeClient link;
        private final String email;

        MemoryPeer(DocServer server, String email, String[] cred, String clientId) {
            this.email = email;
            scriber = Scriber.builder().clientId(clientId).store(io.scribe.core.spi.Store.inMemory())
                    .register(Document.class, Policy.<Document>defaults().withKeyMerge("content")).build();
            link = ScribeClient.webSocket(scriber, server.uri()).serverId(DocServer.SERVER_ID)
                    .onSession(s -> s.request(DocClient.authMessage(email, cred[0], cred[1], clientId,
                            System.currentTimeMillis() / 1000)))
                    .start();
            link.awaitSession(Duration.ofSeconds(60));
        }

        @Override
        public String create() {
            Document d = new Document(email, "bench", JSON.createObjectNode().put("n", 0).put("text", "x".repeat(100)));
            return scriber.create(d).id();
        }

        @Override
        public void update(String id, int n) {
            Document d = scriber.find(Document.class, id).orElseThrow();
            ObjectNode content = d.content().deepCopy().put("n", n);
            Document.edit(d, null, content, null);
            scriber.save(d);
        }

        void close() {
            link.close();
            scriber.close();
        }
    }

    private static double docSyncRound(DocServer server, List<Editor> clients, int updates) throws Exception {
        Set<String> docs = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(updates);
        var registration = server.scriber().listen(Document.class, change -> {
            if (docs.contains(change.id()) && !change.origin().equals(DocServer.SERVER_ID)
                    && change.type() == Scribe.Type.UPDATE) {
                done.countDown();
            }
        });
        try {
            List<String> ids = new ArrayList<>();
            for (Editor c : clients) {
                String id = c.create();
                ids.add(id);
                docs.add(id);
            }
            long waitUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!ids.stream().allMatch(id -> server.scriber().find(Document.class, id).isPresent())) {
                if (System.nanoTime() > waitUntil) {
                    throw new IllegalStateException("documents never reached the server");
                }
                Thread.sleep(10);
            }
            int each = updates / clients.size();
            int extra = updates % clients.size();
            List<Thread> threads = new ArrayList<>();
            long start = System.nanoTime();
            for (int k = 0; k < clients.size(); k++) {
                Editor c = clients.get(k);
                String id = ids.get(k);
                int count = each + (k < extra ? 1 : 0);
                Thread t = new Thread(() -> {
                    for (int i = 1; i <= count; i++) {
                        int n = i;
                        c.update(id, n);
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            if (!done.await(300, TimeUnit.SECONDS)) {
                throw new IllegalStateException(done.getCount() + " updates never reached the server");
            }
            return updates / ((System.nanoTime() - start) / 1e9);
        } finally {
            registration.close();
        }
    }

    private static double rawRound(String schema, int updates, int batch) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:" + PG + "?user=postgres&currentSchema=" + schema)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS raw_events (seq BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL,"
                        + " kind TEXT NOT NULL, author TEXT NOT NULL, client_id TEXT NOT NULL, at TIMESTAMPTZ NOT NULL,"
                        + " version BIGINT NOT NULL, forward JSONB, reverse JSONB, lost BOOLEAN NOT NULL)");
            }
            c.setAutoCommit(batch == 1);
            long start = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO raw_events (doc_id, kind, author, client_id,"
                    + " at, version, forward, reverse, lost) VALUES (?,?,?,?,now(),?,?,?,false)")) {
                for (int i = 1; i <= updates; i++) {
                    ps.setString(1, "doc");
                    ps.setString(2, "update");
                    ps.setString(3, "bench@example.com");
                    ps.setString(4, "client");
                    ps.setLong(5, i + 1);
                    ps.setObject(6, DocSyncRows.jsonb(
                            "[{\"op\":\"replace\",\"path\":\"/content/n\",\"value\":" + i + "}]"));
                    ps.setObject(7, DocSyncRows.jsonb(
                            "[{\"op\":\"replace\",\"path\":\"/content/n\",\"value\":" + (i - 1) + "}]"));
                    if (batch == 1) {
                        ps.executeUpdate();
                    } else {
                        ps.addBatch();
                        if (i % batch == 0 || i == updates) {
                            ps.executeBatch();
                            c.commit();
                        }
                    }
                }
            }
            return updates / ((System.nanoTime() - start) / 1e9);
        }
    }
}
