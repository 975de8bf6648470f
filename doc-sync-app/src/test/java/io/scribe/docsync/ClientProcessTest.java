package io.scribe.docsync;

import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.docsync.client.DocClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code doc-sync client} command as a child process against a real server (PostgreSQL) in this JVM: restarts,
 * signals and exit codes.
 */
class ClientProcessTest extends ServerTest {

    final List<ChildProcess> children = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (ChildProcess c : children) {
            c.close();
        }
    }

    ChildProcess client(String data, String email) throws Exception {
        return client(data, email, h.credential[1]);
    }

    ChildProcess client(String data, String email, String secret) throws Exception {
        ChildProcess c = ChildProcess.start(dir.resolve(data + "-stderr.txt"), List.of("client",
                "--server", "ws://127.0.0.1:" + h.port + "/scribe", "--email", email, "--key", h.credential[0],
                "--data", dir.resolve(data).toString()), java.util.Map.of("DOC_SYNC_SECRET", secret));
        children.add(c);
        return c;
    }

    /** Runs {@code add TITLE}, returns the short id it printed. */
    static String add(ChildProcess c, String title) throws Exception {
        c.send("add " + title);
        return c.await("^added ([0-9a-f]{8})").group(1);
    }

    @Test
    void aRestartedClientEditsADocumentItAlreadyHeld() throws Exception {
        harness();
        DocClient other = h.client("other", "ann@example.com");
        ChildProcess a = client("a", "ann@example.com");
        String id = add(a, "held");
        a.send("wait");
        a.await("^synced");
        a.send("quit");
        assertThat(a.awaitExit()).isZero();
        await("the other client has it", () -> other.list().size() == 1);
        String full = other.list().get(0).id();
        assertThat(full).startsWith(id);

        ChildProcess again = client("a", "ann@example.com");
        again.send("edit " + id + " priority=5 title=edited_after_restart");
        again.send("wait");
        again.await("^synced");
        again.send("status");
        again.await("0 pending");
        await("the other client sees the edit", () -> other.get(full).get().content().path("priority").asInt() == 5
                && "edited after restart".equals(other.get(full).get().title()));
        await("the server has it", () -> h.server.scriber().find(Document.class, full)
                .map(d -> d.content().path("priority").asInt() == 5).orElse(false));
        assertThat(h.rows("SELECT count(*) FROM docsync_events WHERE lost")).isZero();
        again.send("quit");
        assertThat(again.awaitExit()).isZero();
        assertThat(again.stderrText().lines().filter(l -> l.contains("WARN") || l.contains("ERROR")))
                .noneMatch(l -> l.contains("403"));
    }

    @Test
    void aCopiedDataDirectoryGetsItsOwnIdentityAndKeepsItsPendingEdits() throws Exception {
        harness();
        ChildProcess a = client("a", "ann@example.com");
        String id = add(a, "one");
        a.send("wait");
        a.await("^synced");
        a.send("quit");
        assertThat(a.awaitExit()).isZero();
        copy(dir.resolve("a"), dir.resolve("copy"));

        // The copy makes edits offline, then gets a new identity and uploads them under it.
        h.server.close();
        ChildProcess copy = client("copy", "ann@example.com");
        copy.send("edit " + id + " priority=7");
        copy.await("^edited " + id);
        String made = add(copy, "two");
        copy.send("quit");
        assertThat(copy.awaitExit()).isZero();
        String oldId = java.nio.file.Files.readString(dir.resolve("copy/client-id")).strip();
        h.startServer();
        DocClient other = h.client("other", "ann@example.com");
        ChildProcess reset = ChildProcess.start(dir.resolve("reset-stderr.txt"), List.of("client", "--server",
                "ws://127.0.0.1:" + h.port + "/scribe", "--email", "ann@example.com", "--key", h.credential[0],
                "--data", dir.resolve("copy").toString(), "--reset-identity"),
                java.util.Map.of("DOC_SYNC_SECRET", h.credential[1]));
        children.add(reset);
        String fresh = reset.await("^new identity (c-[0-9a-f-]+)").group(1);
        assertThat(fresh).isNotEqualTo(oldId);
        await("the copy's edits reach the other client", () -> other.list().size() == 2 && other.list().stream()
                .anyMatch(d -> d.title().equals("one") && d.content().path("priority").asInt() == 7)
                && other.list().stream().anyMatch(d -> d.title().equals("two")));
        reset.send("wait");
        reset.await("^synced");
        reset.send("quit");
        assertThat(reset.awaitExit()).isZero();
        assertThat(h.rows("SELECT count(*) FROM docsync_clients WHERE client_id = '" + fresh + "'")).isEqualTo(1);
        // Created offline and never uploaded: created again, with a new id.
        assertThat(other.list()).noneMatch(d -> d.id().startsWith(made));
        assertThat(java.nio.file.Files.exists(dir.resolve("copy/documents-" + oldId + ".db"))).isTrue();
    }

    static void copy(Path from, Path to) throws java.io.IOException {
        try (var files = java.nio.file.Files.walk(from)) {
            for (Path f : files.toList()) {
                java.nio.file.Files.copy(f, to.resolve(from.relativize(f).toString()));
            }
        }
    }

    @Test
    void wrongCredentialsEndTheClientWithANonZeroExitAndOneLine() throws Exception {
        harness();
        ChildProcess a = client("a", "ann@example.com", "rps_wrong");
        // Standard input stays open: the client ends by itself.
        int code = a.awaitExit();
        assertThat(code).isEqualTo(3);
        List<String> errors = a.stderrText().lines().filter(l -> l.startsWith("doc-sync: ")).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.get(0)).contains("refused").contains("bad signature");
        assertThat(a.stderrText()).doesNotContain("\tat ");
    }

    @Test
    void waitExitsNonZeroWhileOfflineAndTheSecretCanComeFromAFile() throws Exception {
        harness();
        java.nio.file.Files.writeString(dir.resolve("secret.txt"), h.credential[1] + "\n");
        int port = h.port;
        h.server.close();
        ChildProcess a = ChildProcess.start(dir.resolve("a-stderr.txt"), List.of("client", "--server",
                "ws://127.0.0.1:" + port + "/scribe", "--email", "ann@example.com", "--key", h.credential[0],
                "--secret-file", dir.resolve("secret.txt").toString(), "--data", dir.resolve("a").toString()));
        children.add(a);
        add(a, "offline");
        a.send("wait 1");
        // It says why it is offline: nothing listens at the server's address.
        a.await("^!! not synced: offline \\(.*Connection refused.*\\), 1 pending");
        a.closeInput();
        assertThat(a.awaitExit()).isEqualTo(1);
        assertThat(a.output()).doesNotContain("\nsynced");

        h.startServer();
        ChildProcess b = ChildProcess.start(dir.resolve("b-stderr.txt"), List.of("client", "--server",
                "ws://127.0.0.1:" + port + "/scribe", "--email", "ann@example.com", "--key", h.credential[0],
                "--secret-file", dir.resolve("secret.txt").toString(), "--data", dir.resolve("a").toString()));
        children.add(b);
        b.send("wait");
        b.await("^synced");
        b.closeInput();
        assertThat(b.awaitExit()).isZero();
        assertThat(h.server.scriber().all(Document.class)).extracting(Document::title).containsExactly("offline");
    }

    @Test
    void offlineEditsSurviveCtrlCSigtermAndSigkillAndUploadAfterARestart() throws Exception {
        harness();
        DocClient other = h.client("other", "ann@example.com");
        ChildProcess a = client("a", "ann@example.com");
        String id = add(a, "kept");
        a.send("wait");
        a.await("^synced");
        await("the other client has it", () -> other.list().size() == 1);
        String full = other.list().get(0).id();
        h.server.close();

        // Each edit is acknowledged ("edited …") while offline, then the process is stopped by a signal.
        a.send("edit " + id + " priority=1");
        a.await("^edited " + id);
        a.signal("INT");
        assertThat(a.awaitExit()).isNotEqualTo(0);
        ChildProcess b = client("a", "ann@example.com");
        b.send("tag " + id + " after-sigint");
        b.await("^edited " + id);
        b.send("status");
        b.await("offline( \\(.+\\))?, 1 tasks, 2 pending");
        b.signal("TERM");
        b.awaitExit();
        ChildProcess c = client("a", "ann@example.com");
        c.send("edit " + id + " title=renamed_offline");
        c.await("^edited " + id);
        String created = add(c, "made offline");
        c.send("status");
        c.await("offline( \\(.+\\))?, 2 tasks, 4 pending");
        c.signal("KILL");
        assertThat(c.awaitExit()).isEqualTo(137);

        h.startServer();
        ChildProcess d = client("a", "ann@example.com");
        d.send("wait");
        d.await("^synced");
        d.send("status");
        d.await("connected, 2 tasks, 0 pending");
        await("the other client has every edit", () -> other.list().size() == 2
                && other.get(full).map(x -> "renamed offline".equals(x.title())
                        && x.content().path("priority").asInt() == 1
                        && x.content().path("tags").toString().contains("after-sigint")).orElse(false)
                && other.list().stream().anyMatch(x -> x.id().startsWith(created)));
        Document onServer = h.server.scriber().find(Document.class, full).orElseThrow();
        assertThat(onServer.title()).isEqualTo("renamed offline");
        assertThat(onServer.content().path("priority").asInt()).isEqualTo(1);
        // The restarted client edits as before.
        d.send("done " + id);
        d.await("^edited " + id);
        d.send("wait");
        d.await("^synced");
        await("done reaches the other client", () -> other.get(full).get().content().path("done").asBoolean());
        d.send("quit");
        assertThat(d.awaitExit()).isZero();
    }

    @Test
    void aClientStoppedRightAfterReconnectingMarksItsLostEditAtTheNextStart() throws Exception {
        harness();
        DocClient other = h.client("other", "ann@example.com");
        ChildProcess a = client("a", "ann@example.com");
        String id = add(a, "plan");
        a.send("wait");
        a.await("^synced");
        await("the other client has it", () -> other.list().size() == 1);
        String full = other.list().get(0).id();
        h.server.close();
        await("the other client is offline", () -> !other.isConnected());

        // Both edit the title offline; this client is stopped with Ctrl-C while offline.
        a.send("edit " + id + " title=mine");
        a.await("^edited " + id);
        a.signal("INT");
        a.awaitExit();
        other.update(full, "theirs", c -> c);
        h.startServer();
        await("the other edit reaches the server first", () -> other.pendingCount() == 0
                && h.server.scriber().find(Document.class, full).map(d -> d.title().equals("theirs")).orElse(false));

        // Back online, it uploads its edit, which loses; killed as soon as the server has logged the loss, so the
        // server's notice may well not reach it.
        ChildProcess b = client("a", "ann@example.com");
        await("the loss logged", () -> rowsUnchecked("SELECT count(*) FROM docsync_events WHERE lost") == 1);
        b.signal("KILL");
        b.awaitExit();

        ChildProcess c = client("a", "ann@example.com");
        c.send("wait");
        c.await("^synced");
        c.send("list");
        c.await("^" + id + " \\[ \\] conflict .* theirs ");
        c.send("quit");
        assertThat(c.awaitExit()).isZero();
    }

    long rowsUnchecked(String sql) {
        try {
            return h.rows(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
