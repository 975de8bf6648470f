package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.docsync.Document;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.server.DocServer;
import io.scribe.transport.netty.Backoff;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.util.PGobject;

/**
 * doc-sync updates through the server on PostgreSQL side by side with raw JDBC inserts of the same rows, in one run.
 *
 * <p>doc-sync: one client edits one key of one document {@code updates} times; each edit is a Scribe update over
 * WebSocket that the server authorises, merges, commits to the PostgreSQL store, logs with its forward and reverse
 * JSON Patches in the event log and stamps with a new version (a second scribe, pushed back to the client).
 * Throughput = edits the server has logged per second, from the first edit to the last logged. Raw JDBC: one
 * connection inserting the same number of event rows (the same forward and reverse patches as JSONB), one
 * auto-committed INSERT each. Each side runs {@code rounds} rounds after one warm-up round; the table reports
 * medians.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.DocSyncBenchmark [updates] [rounds]};
 * PostgreSQL at {@code SCRIBE_PG_URL} (default {@code postgresql://127.0.0.1:5432/postgres}, user postgres).
 */
public final class DocSyncBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PG =
            System.getenv().getOrDefault("SCRIBE_PG_URL", "postgresql://127.0.0.1:5432/postgres");

    public static void main(String[] args) throws Exception {
        int updates = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String schema = "docsync_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        Path dir = Files.createTempDirectory("doc-sync-bench");
        double[] docSync = new double[rounds];
        double[] raw = new double[rounds];
        try (DocServer server = DocServer.start(DocServer.Config.of(PG + "?user=postgres&schema=" + schema,
                dir.resolve("server"), 0))) {
            String[] cred = server.createCredential("bench");
            try (DocClient client = DocClient.start(new DocClient.Options(server.uri(), "bench@example.com",
                    cred[0], cred[1], dir.resolve("client"), Backoff.DEFAULT))) {
                client.awaitConnected(Duration.ofSeconds(10));
                for (int r = -1; r < rounds; r++) {
                    double s = docSyncRound(server, client, updates);
                    double j = rawRound(schema, updates);
                    if (r >= 0) {
                        docSync[r] = s;
                        raw[r] = j;
                    }
                    System.out.printf("round %d: doc-sync %.0f updates/s, raw JDBC %.0f inserts/s%n", r + 1, s, j);
                }
            }
        } finally {
            try (Connection c = DriverManager.getConnection("jdbc:" + PG + "?user=postgres");
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
        double s = median(docSync);
        double j = median(raw);
        System.out.printf("| doc-sync update through the server | %,.0f /s |%n", s);
        System.out.printf("| raw JDBC insert of the same event row | %,.0f /s |%n", j);
        System.out.printf("ratio doc-sync/raw = %.2f (%d updates, %d rounds, medians)%n", s / j, updates, rounds);
    }

    private static double docSyncRound(DocServer server, DocClient client, int updates) throws Exception {
        String id = client.create("bench", JSON.createObjectNode().put("n", 0).put("text", "x".repeat(100)));
        CountDownLatch created = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(updates);
        AtomicReference<String> doc = new AtomicReference<>(id);
        var registration = server.scriber().listen(Document.class, change -> {
            if (change.id().equals(doc.get()) && !change.origin().equals(DocServer.SERVER_ID)) {
                if (change.type() == Scribe.Type.CREATE) {
                    created.countDown();
                } else {
                    done.countDown();
                }
            }
        });
        try {
            if (!created.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("document never reached the server");
            }
            long start = System.nanoTime();
            for (int i = 1; i <= updates; i++) {
                int n = i;
                client.update(id, null, c -> c.put("n", n));
            }
            if (!done.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(done.getCount() + " updates never reached the server");
            }
            return updates / ((System.nanoTime() - start) / 1e9);
        } finally {
            registration.close();
        }
    }

    private static double rawRound(String schema, int updates) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:" + PG + "?user=postgres&currentSchema=" + schema)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS raw_events (seq BIGSERIAL PRIMARY KEY, doc_id TEXT NOT NULL,"
                        + " kind TEXT NOT NULL, author TEXT NOT NULL, client_id TEXT NOT NULL, at TIMESTAMPTZ NOT NULL,"
                        + " version BIGINT NOT NULL, forward JSONB, reverse JSONB, lost BOOLEAN NOT NULL)");
            }
            long start = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO raw_events (doc_id, kind, author, client_id,"
                    + " at, version, forward, reverse, lost) VALUES (?,?,?,?,now(),?,?,?,false)")) {
                for (int i = 1; i <= updates; i++) {
                    ps.setString(1, "doc");
                    ps.setString(2, "update");
                    ps.setString(3, "bench@example.com");
                    ps.setString(4, "client");
                    ps.setLong(5, i + 1);
                    ps.setObject(6, jsonb("[{\"op\":\"replace\",\"path\":\"/content/n\",\"value\":" + i + "}]"));
                    ps.setObject(7, jsonb("[{\"op\":\"replace\",\"path\":\"/content/n\",\"value\":" + (i - 1) + "}]"));
                    ps.executeUpdate();
                }
            }
            return updates / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static PGobject jsonb(String json) throws Exception {
        PGobject o = new PGobject();
        o.setType("jsonb");
        o.setValue(json);
        return o;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
