package io.scribe.docsync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.server.DocServer;
import io.scribe.transport.netty.Backoff;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/** A real server on PostgreSQL (a schema of its own, dropped after) and real clients on SQLite. */
final class Harness implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PG = System.getenv().getOrDefault("SCRIBE_PG_URL", "postgresql://127.0.0.1:5432/postgres");
    static final String JDBC = "jdbc:" + PG;

    final String schema = "docsync_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    final Path dir;
    final List<DocClient> clients = new ArrayList<>();
    DocServer server;
    int port;
    String[] credential;

    Harness(Path dir) {
        this.dir = dir;
    }

    String databaseUrl() {
        return PG + "?user=postgres&schema=" + schema;
    }

    DocServer startServer() {
        return startServer(DocServer.Config.of(databaseUrl(), dir.resolve("server"), port));
    }

    DocServer startServer(DocServer.Config config) {
        server = DocServer.start(config);
        port = server.uri().getPort();
        if (credential == null) {
            credential = server.createCredential("tests");
        }
        return server;
    }

    DocClient client(String name, String email) {
        return client(name, email, credential[0], credential[1]);
    }

    DocClient client(String name, String email, String apiKey, String secret) {
        DocClient c = DocClient.start(new DocClient.Options(server.uri(), email, apiKey, secret,
                dir.resolve(name), new Backoff(Duration.ofMillis(50), Duration.ofMillis(300), 0.5,
                        Integer.MAX_VALUE)));
        clients.add(c);
        return c;
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    long rows(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(JDBC + "?user=postgres&currentSchema=" + schema);
                Statement st = c.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws Exception {
        for (DocClient c : clients) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        try (Connection c = DriverManager.getConnection(JDBC + "?user=postgres"); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        assertThat(schema).startsWith("docsync_");
    }
}
