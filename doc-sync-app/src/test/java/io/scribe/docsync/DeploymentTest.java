package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.patch.Patches;
import io.scribe.docsync.server.DocServer;
import io.scribe.transport.netty.Backoff;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How servers are deployed: the master key with its database, schemas named, several nodes on one database. */
class DeploymentTest {

    @TempDir
    Path dir;

    Harness h;
    final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        if (h != null) {
            h.close();
        }
    }

    DocServer.Config config(Path data, Path keyFile) {
        return new DocServer.Config(h.databaseUrl(), data, 0, "127.0.0.1", Clock.systemUTC(), keyFile);
    }

    @Test
    void aServerThatCannotOpenTheDatabasesCredentialsRefusesToStart() throws Exception {
        h = new Harness(dir);
        h.startServer();
        h.server.close();
        h.server = null;
        // Started from another directory: no key there. Nothing is created; the message says what to do.
        Path elsewhere = dir.resolve("elsewhere");
        assertThatThrownBy(() -> DocServer.start(config(elsewhere, null)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no master key at " + elsewhere.resolve("master.key").toAbsolutePath())
                .hasMessageContaining("--master-key");
        assertThat(elsewhere.resolve("master.key")).doesNotExist();
        // Another key: refused as well.
        Path other = dir.resolve("other.key");
        Files.writeString(other, java.util.Base64.getEncoder().encodeToString(new byte[32]));
        assertThatThrownBy(() -> DocServer.start(config(elsewhere, other)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not the key this database's credentials were sealed with");
        // The right key given explicitly: starts, and the credential works.
        h.server = DocServer.start(config(elsewhere, dir.resolve("server").resolve("master.key")));
        DocClient c = h.client("c", "ann@example.com");
        c.awaitConnected(Duration.ofSeconds(10));
        assertThat(c.authError()).isEmpty();
    }

    @Test
    void aMasterKeyFileThatDoesNotExistIsNamedAsMissingOnANewDatabaseAndNothingIsCreated() throws Exception {
        h = new Harness(dir);
        Path data = dir.resolve("fresh");
        Path typo = dir.resolve("mastr.key");
        assertThatThrownBy(() -> DocServer.start(config(data, typo)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no master key file " + typo.toAbsolutePath())
                .hasMessageContaining("does not exist")
                .hasMessageNotContaining("sealed with an existing key");
        assertThat(typo).doesNotExist();
        assertThat(data.resolve("master.key")).doesNotExist();
        // Without the flag the same new database gets a key of its own and starts.
        h.server = DocServer.start(config(data, null));
        assertThat(data.resolve("master.key")).exists();
    }

    @Test
    void aDatabaseUrlWithoutASchemaIsRefused() {
        assertThatThrownBy(() -> DocServer.start(DocServer.Config.of(Harness.PG + "?user=postgres",
                dir.resolve("s"), 0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--database needs a schema");
    }

    @Test
    void asecondServerOnOneEmbeddedDataDirectoryRefusesToStart() {
        DocServer first = DocServer.start(DocServer.Config.of(null, dir.resolve("embedded"), 0));
        closing.add(first);
        assertThatThrownBy(() -> DocServer.start(DocServer.Config.of(null, dir.resolve("embedded"), 0)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("another doc-sync server is using");
        first.close();
        closing.remove(first);
        // Once the first has stopped, the directory is free again.
        closing.add(DocServer.start(DocServer.Config.of(null, dir.resolve("embedded"), 0)));
    }

    @Test
    void twoServersOnOneSchemaLogEachChangeOnceAndClientsOnEachConverge() throws Exception {
        h = new Harness(dir);
        h.startServer();
        // The second node's data directory holds a copy of the key file.
        Files.createDirectories(dir.resolve("node2"));
        Files.copy(dir.resolve("server").resolve("master.key"), dir.resolve("node2").resolve("master.key"));
        DocServer node2 = DocServer.start(config(dir.resolve("node2"), null));
        closing.add(node2);
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = DocClient.start(new DocClient.Options(node2.uri(), "ann@example.com", h.credential[0],
                h.credential[1], dir.resolve("b"), new Backoff(Duration.ofMillis(50), Duration.ofMillis(300), 0.5,
                Integer.MAX_VALUE)));
        closing.add(b);
        a.awaitConnected(Duration.ofSeconds(10));
        b.awaitConnected(Duration.ofSeconds(10));

        String id = a.create("shared", JSON.createObjectNode().put("start", true));
        await("b on node 2 has it", () -> b.get(id).isPresent());
        String fromB = b.create("from node 2", JSON.createObjectNode());
        await("a on node 1 has b's", () -> a.get(fromB).isPresent());
        // Both nodes take edits of one document at once.
        for (int i = 0; i < 15; i++) {
            int n = i;
            a.update(id, null, c -> c.put("a", n));
            b.update(id, null, c -> c.put("b", n));
        }
        await("converged", () -> a.pendingCount() == 0 && b.pendingCount() == 0
                && a.get(id).get().content().equals(b.get(id).get().content())
                && a.get(id).get().content().path("a").asInt() == 14 && b.get(id).get().content().path("b").asInt() == 14
                && a.get(id).get().version() == b.get(id).get().version()
                && a.get(id).get().version() == rows("SELECT max(version) FROM docsync_events WHERE doc_id = '"
                        + id + "'"));
        for (String doc : List.of(id, fromB)) {
            long events = h.rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + doc + "'");
            assertThat(h.rows("SELECT count(DISTINCT version) FROM docsync_events WHERE doc_id = '" + doc + "'"))
                    .as("one event per version of " + doc).isEqualTo(events);
            assertThat(h.rows("SELECT max(version) FROM docsync_events WHERE doc_id = '" + doc + "'"))
                    .isEqualTo(events);
        }
        // History replays: the forward patches rebuild the document, each reverse patch restores its predecessor.
        ArrayNode events = h.server.db().events(id);
        List<JsonNode> versions = new ArrayList<>();
        JsonNode doc = null;
        for (JsonNode e : events) {
            doc = e.path("kind").asText().equals("create") ? e.get("forward") : Patches.apply(e.get("forward"), doc);
            versions.add(doc);
        }
        assertThat(doc.path("content")).isEqualTo(a.get(id).get().content());
        assertThat(doc.path("version").asLong()).isEqualTo(a.get(id).get().version());
        for (int i = versions.size() - 1; i >= 1; i--) {
            assertThat(Patches.apply(events.get(i).get("reverse"), versions.get(i))).isEqualTo(versions.get(i - 1));
        }
    }

    long rows(String sql) {
        try {
            return h.rows(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
