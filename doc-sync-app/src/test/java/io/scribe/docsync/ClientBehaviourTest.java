package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.docsync.cli.DocSync;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.client.DocStatus;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The client's refusals, limits, status and command-line errors, against a real server on PostgreSQL. */
class ClientBehaviourTest extends ServerTest {

    /** Runs task-manager commands on {@code client}; returns what they printed. */
    static String run(DocSync.Tasks tasks, ByteArrayOutputStream bytes, String script) throws Exception {
        bytes.reset();
        tasks.loop(new BufferedReader(new StringReader(script)));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    static ByteArrayOutputStream bytes() {
        return new ByteArrayOutputStream();
    }

    static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }

    @Test
    void aDocumentOverTheFrameLimitIsRefusedAtTheCommandAndNothingIsPending() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        a.awaitConnected(Duration.ofSeconds(10));
        String big = "x".repeat(DocClient.MAX_DOCUMENT_BYTES);
        assertThatThrownBy(() -> a.create("big", JSON.createObjectNode().put("text", big)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
        assertThat(a.list()).isEmpty();

        String id = a.create("small", JSON.createObjectNode().put("text", "fits"));
        assertThatThrownBy(() -> a.update(id, null, c -> c.put("text", big)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too large");
        assertThat(a.get(id).get().content().path("text").asText()).isEqualTo("fits");
        ByteArrayOutputStream out = bytes();
        DocSync.Tasks tasks = new DocSync.Tasks(a, print(out));
        String printed = run(tasks, out, "add " + big + "\nwait\nstatus\n");
        assertThat(printed).contains("!! document too large").contains("synced").contains("1 tasks, 0 pending");
        assertThat(h.server.scriber().all(Document.class)).hasSize(1);
        assertThat(a.status(id)).isEqualTo(DocStatus.SYNCED);
    }

    @Test
    void aDeleteByAUserTheDocumentIsOnlySharedWithIsRefusedAndTheDocumentStays() throws Exception {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        String[] bobKey = h.server.createCredential("bob");
        DocClient bob = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        String id = ann.create("shared", JSON.createObjectNode().put("k", 1), List.of("bob@example.com"));
        await("bob has it", () -> bob.get(id).isPresent());
        ByteArrayOutputStream out = bytes();
        String printed = run(new DocSync.Tasks(bob, print(out)), out, "del " + id.substring(0, 8) + "\nlist\n");
        assertThat(printed).contains("!! only its owner ann@example.com can delete").contains("1 tasks, 0 pending");
        assertThat(bob.get(id)).isPresent();
        // Bob's edits still go through.
        bob.update(id, null, c -> c.put("k", 2));
        await("ann sees bob's edit", () -> ann.get(id).get().content().path("k").asInt() == 2);
        assertThat(h.server.scriber().find(Document.class, id)).isPresent();
    }

    @Test
    void waitFailsWhenTheServerRefusesAChangeAndPrintsSyncedOnlyWhenItIs() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        a.awaitConnected(Duration.ofSeconds(10));
        ByteArrayOutputStream out = bytes();
        DocSync.Tasks tasks = new DocSync.Tasks(a, print(out));
        assertThat(run(tasks, out, "add first\nwait\n")).contains("synced");
        assertThat(tasks.failed()).isFalse();
        String id = a.list().get(0).id();
        // A write of a field only the server may write (what an older client did after a restart): refused.
        Document d = a.get(id).orElseThrow();
        Document.stamp(d, 99, "forged:1");
        a.scriber().save(d);
        String printed = run(tasks, out, "wait\n");
        assertThat(printed).contains("!! not synced: the server refused 1 change").doesNotContain("\nsynced");
        assertThat(tasks.failed()).isTrue();
        assertThat(h.server.scriber().find(Document.class, id).get().version()).isNotEqualTo(99);
        // A later accepted edit syncs again.
        assertThat(run(tasks, out, "done " + id.substring(0, 8) + "\nwait\n")).contains("synced");
    }

    @Test
    void waitFailsWhileOfflineAndCountsAnUnsentDelete() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        a.awaitConnected(Duration.ofSeconds(10));
        ByteArrayOutputStream out = bytes();
        DocSync.Tasks tasks = new DocSync.Tasks(a, print(out));
        assertThat(run(tasks, out, "add one\nadd two\nwait\n")).contains("synced");
        String id = a.list().get(0).id();
        h.server.close();
        await("offline", () -> !a.isConnected());
        String printed = run(tasks, out, "del " + id.substring(0, 8) + "\nstatus\nwait 0.5\n");
        // Offline says why: the server's connection closed, then nothing listens there.
        assertThat(printed).contains("deleted ")
                .containsPattern("offline \\((connection to .+ closed|Connection refused: .+)\\), 1 tasks, 1 pending")
                .containsPattern("!! not synced: offline \\(.+\\), 1 pending").doesNotContain("\nsynced");
        assertThat(tasks.failed()).isTrue();
        h.startServer();
        assertThat(run(tasks, out, "wait\nstatus\n")).contains("synced").contains("connected, 1 tasks, 0 pending");
        await("the delete reached the server", () -> h.server.scriber().find(Document.class, id).isEmpty());
    }

    @Test
    void badFlagsAndValuesGiveOneLineErrorsAndHelpWorksOnEverySubcommand() throws Exception {
        harness();
        for (List<String> help : List.of(List.of("serve", "--help"), List.of("credentials", "--help"),
                List.of("credentials", "create", "--help"), List.of("client", "--help"))) {
            Result r = execute(help);
            assertThat(r.code).as(help.toString()).isZero();
            assertThat(r.out).as(help.toString()).contains("Usage: doc-sync " + help.get(0));
        }
        assertThat(execute(List.of("client", "--help")).out).contains("--secret-file").contains("DOC_SYNC_SECRET");
        // No command: said so in one line, exit 2.
        Result none = execute(List.of());
        assertThat(none.code).isEqualTo(2);
        assertOneLine(none.err, "a command is required: serve, credentials or client");
        Result noCredentialsCommand = execute(List.of("credentials"));
        assertThat(noCredentialsCommand.code).isEqualTo(2);
        assertOneLine(noCredentialsCommand.err, "a command is required: create, list, revoke or rotate");

        Result http = execute(List.of("client", "--server", "http://127.0.0.1:8787/scribe", "--email", "a@b.c",
                "--key", "rpa_x", "--secret", "rps_x", "--data", dir.resolve("c").toString()));
        assertThat(http.code).isEqualTo(2);
        assertOneLine(http.err, "--server must be a ws:// or wss:// URL");

        Result portInUse = execute(List.of("serve", "--port", Integer.toString(h.port), "--data",
                dir.resolve("s").toString()));
        assertThat(portInUse.code).isEqualTo(1);
        assertOneLine(portInUse.err, "doc-sync: ");

        Result badDatabase = execute(List.of("serve", "--database", "mysql://localhost/x", "--port", "0", "--data",
                dir.resolve("s2").toString()));
        assertThat(badDatabase.code).isEqualTo(1);
        assertOneLine(badDatabase.err, "mysql://localhost/x");

        Result badPort = execute(List.of("serve", "--port", "eighty"));
        assertThat(badPort.code).isEqualTo(2);
        assertOneLine(badPort.err, "eighty");

        DocClient a = h.client("a", "ann@example.com");
        ByteArrayOutputStream out = bytes();
        String printed = run(new DocSync.Tasks(a, print(out)), out, "add x priority=high\nlist\n");
        assertThat(printed).contains("!! priority must be a whole number, not high").contains("0 tasks");
        // A title of several words in edit: the words left over are named, and how to write a space.
        printed = run(new DocSync.Tasks(a, print(out)), out, "edit x title=edited offline priority=5\n");
        assertThat(printed).contains("!! edit takes only title=, priority= and tags=, not \"offline\"")
                .contains("_ stands for a space");
    }

    @Test
    void aRefusalOfAnIdentityInUseTellsHowToFixACopiedDataDirectory() throws Exception {
        // A server whose authenticator refuses the GUID as the doc-sync server does for a second live session.
        io.scribe.core.Scriber refusing = io.scribe.core.Scriber.builder().clientId("server")
                .store(io.scribe.core.spi.Store.inMemory()).register(Document.class)
                .authenticate("auth", (session, m) -> {
                    throw new io.scribe.core.ScribeException(io.scribe.core.ScribeException.FORBIDDEN,
                            "client " + session.client().id() + " is in use by another live session");
                })
                .build();
        try (io.scribe.transport.netty.ScribeServer server = io.scribe.transport.netty.ScribeServer.builder(refusing)
                .bind("127.0.0.1").webSocket(0, "/scribe").start()) {
            DocClient c = DocClient.start(new DocClient.Options(server.webSocketUri(), "ann@example.com", "rpa_x",
                    "rps_x", dir.resolve("copied"), io.scribe.transport.netty.Backoff.DEFAULT));
            try {
                await("refused", () -> c.authError().isPresent());
                assertThat(c.authError().get()).contains("in use by another live session")
                        .contains("--reset-identity").contains(dir.resolve("copied").toString());
                c.create("kept", JSON.createObjectNode());
                assertThat(c.pendingCount()).isEqualTo(1);
            } finally {
                c.close();
            }
        } finally {
            refusing.close();
        }
    }

    record Result(int code, String out, String err) {}

    static Result execute(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = DocSync.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args.toArray(String[]::new));
        return new Result(code, out.toString(), err.toString());
    }

    static void assertOneLine(String err, String contains) {
        assertThat(err.strip()).contains(contains).startsWith("doc-sync: ").doesNotContain("\n")
                .doesNotContain("Exception").doesNotContain("\tat ");
    }

    static ObjectNode obj(String json) throws Exception {
        return (ObjectNode) JSON.readTree(json);
    }
}
