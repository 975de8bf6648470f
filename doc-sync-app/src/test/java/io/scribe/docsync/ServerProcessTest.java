package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.patch.Patches;
import io.scribe.docsync.server.DocServer;
import io.scribe.transport.netty.Backoff;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server as its own process ({@code doc-sync serve}): killed with SIGKILL mid-stream, and refusing to start. */
class ServerProcessTest {

    @TempDir
    Path dir;

    Harness h;
    final List<Process> processes = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (h != null) {
            h.close();
        }
    }

    Process serve(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "io.scribe.docsync.cli.DocSync", "serve"));
        command.addAll(List.of(args));
        int n = processes.size();
        Process p = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("server-" + n + ".out").toFile())
                .redirectError(dir.resolve("server-" + n + ".err").toFile()).start();
        processes.add(p);
        return p;
    }

    String read(String file) {
        try {
            return Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    String stderr(int n) throws IOException {
        return Files.readString(dir.resolve("server-" + n + ".err"), StandardCharsets.UTF_8);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    long rows(String sql) {
        try {
            return h.rows(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aServerKilledMidStreamNeverReusesAVersionAndEveryReversePatchRestoresItsPredecessor() throws Exception {
        h = new Harness(dir);
        // The credential and the master key are made once; each server process then runs on the same database.
        h.startServer();
        h.server.close();
        h.server = null;
        int port = freePort();
        String[] serveArgs = {"--database", h.databaseUrl(), "--data", dir.resolve("server").toString(),
                "--port", Integer.toString(port)};
        Process server = serve(serveArgs);
        DocClient client = DocClient.start(new DocClient.Options(URI.create("ws://127.0.0.1:" + port + "/scribe"),
                "ann@example.com", h.credential[0], h.credential[1], dir.resolve("client"),
                new Backoff(Duration.ofMillis(50), Duration.ofMillis(300), 0.5, Integer.MAX_VALUE)));
        boolean closed = false;
        try {
            client.awaitConnected(Duration.ofSeconds(60));
            String id = client.create("streamed", JSON.createObjectNode().put("n", 0));
            AtomicInteger sent = new AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Thread stream = new Thread(() -> {
                for (int i = 1; !stop.get(); i++) {
                    int n = i;
                    client.update(id, null, c -> c.put("n", n).put("k" + (n % 7), n));
                    sent.set(i);
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            stream.start();
            for (int kill = 1; kill <= 3; kill++) {
                long before = rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "'");
                await("the server logs more edits", () -> rows("SELECT count(*) FROM docsync_events WHERE doc_id = '"
                        + id + "'") > before + 20);
                server.destroyForcibly();
                assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(100);
                server = serve(serveArgs);
            }
            await("edits after the last restart", () -> client.isConnected());
            Thread.sleep(200);
            stop.set(true);
            stream.join();
            int total = sent.get();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!(client.pendingCount() == 0 && rows("SELECT count(*) FROM docsync_documents WHERE id = '" + id
                    + "' AND (content->>'n')::int = " + total) == 1)) {
                assertThat(System.nanoTime()).as("client re-sent everything").isLessThan(deadline);
                Thread.sleep(50);
            }
            ArrayNode events = eventsOf(id);
            long count = events.size();
            assertThat(rows("SELECT count(DISTINCT version) FROM docsync_events WHERE doc_id = '" + id + "'"))
                    .as("no version used twice").isEqualTo(count);
            assertThat(rows("SELECT max(version) FROM docsync_events WHERE doc_id = '" + id + "'")).isEqualTo(count);
            assertThat(rows("SELECT version FROM docsync_documents WHERE id = '" + id + "'")).isEqualTo(count);
            List<JsonNode> versions = new ArrayList<>();
            JsonNode doc = null;
            for (JsonNode e : events) {
                assertThat(e.path("version").asLong()).isEqualTo(versions.size() + 1);
                doc = e.path("kind").asText().equals("create") ? e.get("forward")
                        : Patches.apply(e.get("forward"), doc);
                versions.add(doc);
            }
            for (int i = versions.size() - 1; i >= 1; i--) {
                assertThat(Patches.apply(events.get(i).get("reverse"), versions.get(i)))
                        .as("reverse patch of version " + (i + 1)).isEqualTo(versions.get(i - 1));
            }
            assertThat(doc.path("content").path("n").asInt()).isEqualTo(total);
            await("the client has the last version", () -> client.get(id).get().version() == count);

            // The log: timestamped lines for connect, login, refusal and disconnect.
            DocClient wrong = DocClient.start(new DocClient.Options(URI.create("ws://127.0.0.1:" + port + "/scribe"),
                    "ann@example.com", h.credential[0], "rps_wrong", dir.resolve("wrong"), Backoff.DEFAULT));
            await("refused", () -> wrong.authError().isPresent());
            wrong.close();
            client.close();
            closed = true;
            String last = "server-" + (processes.size() - 1);
            await("disconnect logged", () -> read(last + ".err").contains("disconnect: client " + client.clientId()));
            String log = read(last + ".err");
            String stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\S* INFO ";
            assertThat(log).containsPattern(stamp + ".*connect: client " + client.clientId())
                    .containsPattern(stamp + ".*login: client " + client.clientId() + " as ann@example.com")
                    .containsPattern(stamp + ".*refused: client " + wrong.clientId() + " \\(401 bad signature\\)")
                    .containsPattern(stamp + ".*disconnect: client " + client.clientId());
        } finally {
            if (!closed) {
                client.close();
            }
        }
    }

    ArrayNode eventsOf(String id) {
        // Read through a server object's tables without starting a server: the same schema, a fresh pool.
        try (io.scribe.docsync.internal.Db db = io.scribe.docsync.internal.Db.postgres(h.databaseUrl())) {
            return db.events(id);
        }
    }

    @Test
    void aSecondServerOnOneEmbeddedDirectoryAndBadSettingsStopWithOneLine() throws Exception {
        int port = freePort();
        Path data = dir.resolve("embedded");
        Process first = serve("--data", data.toString(), "--port", Integer.toString(port));
        await("first serving", () -> {
            try {
                return Files.readString(dir.resolve("server-0.out")).contains("serving");
            } catch (IOException e) {
                return false;
            }
        });
        Process second = serve("--data", data.toString(), "--port", Integer.toString(freePort()));
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(1);
        assertThat(stderr(1).strip()).startsWith("doc-sync: another doc-sync server is using").doesNotContain("\n");
        assertThat(first.isAlive()).isTrue();

        Process noSchema = serve("--database", Harness.PG + "?user=postgres", "--data", dir.resolve("x").toString());
        assertThat(noSchema.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(noSchema.exitValue()).isEqualTo(1);
        assertThat(stderr(2).strip()).startsWith("doc-sync: --database needs a schema").doesNotContain("\n");

        h = new Harness(dir);
        h.startServer();
        h.server.close();
        h.server = null;
        Process wrongDir = serve("--database", h.databaseUrl(), "--data", dir.resolve("elsewhere").toString(),
                "--port", Integer.toString(freePort()));
        assertThat(wrongDir.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(wrongDir.exitValue()).isEqualTo(1);
        assertThat(stderr(3).strip()).startsWith("doc-sync: no master key at").doesNotContain("\n");
        assertThat(dir.resolve("elsewhere").resolve("master.key")).doesNotExist();
        assertThat(DocServer.VERSION).isNotBlank();
    }
}
