package io.scribe.docsync;

import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.docsync.client.DocClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code doc-sync client} command as a child process against a real server (PostgreSQL) in this JVM: restarts,
 * signals and exit codes.
 */
class ClientProcessTest {

    @TempDir
    Path dir;

    Harness h;
    final List<ChildProcess> children = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (ChildProcess c : children) {
            c.close();
        }
        if (h != null) {
            h.close();
        }
    }

    Harness harness() {
        h = new Harness(dir);
        h.startServer();
        return h;
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
        assertThat(again.stderrText()).doesNotContain("403");
    }
}
