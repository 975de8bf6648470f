package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.client.DocEvent;
import io.scribe.docsync.client.DocStatus;
import io.scribe.docsync.patch.Patches;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real server on PostgreSQL and real clients on SQLite, over loopback WebSocket. */
class DocSyncTest {

    @TempDir
    Path dir;

    Harness h;

    Harness harness() {
        h = new Harness(dir);
        h.startServer();
        return h;
    }

    @AfterEach
    void close() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    static ObjectNode obj(String json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static boolean has(DocClient c, String id) {
        return c.get(id).isPresent();
    }

    @Test
    void createOnAAppearsOnBAndUpdatesAndDeletesPropagate() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = h.client("b", "ann@example.com");
        List<DocEvent> onB = new CopyOnWriteArrayList<>();
        b.onEvent(onB::add);
        a.awaitConnected(java.time.Duration.ofSeconds(10));
        b.awaitConnected(java.time.Duration.ofSeconds(10));

        String id = a.create("groceries", obj("{\"items\":[\"milk\"],\"done\":false}"));
        await("B has the document", () -> has(b, id));
        assertThat(b.get(id).get().content()).isEqualTo(obj("{\"items\":[\"milk\"],\"done\":false}"));

        String fromB = b.create("from b", obj("{\"n\":1}"));
        await("both see both", () -> has(a, fromB) && a.list().size() == 2 && b.list().size() == 2);

        a.update(id, "groceries!", c -> c.put("done", true));
        await("update reaches B", () -> b.get(id).get().content().path("done").asBoolean()
                && "groceries!".equals(b.get(id).get().title()));
        await("versions stamped", () -> a.get(id).get().version() == 2 && b.get(id).get().version() == 2);
        await("A synced", () -> a.status(id) == DocStatus.SYNCED && a.pendingCount() == 0);

        a.delete(id);
        await("delete reaches B", () -> !has(b, id));
        assertThat(onB).anyMatch(e -> e.kind() == DocEvent.Kind.CREATED && id.equals(e.docId()) && !e.local());
        // Listeners hear a change just after it is applied: the event may come a moment after the store has it.
        await("B heard the delete", () -> onB.stream()
                .anyMatch(e -> e.kind() == DocEvent.Kind.DELETED && id.equals(e.docId()) && !e.local()));
        await("log rows", () -> rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "'") == 3);
        assertThat(h.rows("SELECT count(*) FROM docsync_documents WHERE id = '" + id + "' AND deleted")).isEqualTo(1);
        assertThat(h.rows("SELECT count(*) FROM docsync_users")).isEqualTo(1);

        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(h.server.httpUri() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode hj = JSON.readTree(health.body());
        assertThat(hj.path("status").asText()).isEqualTo("ok");
        assertThat(hj.path("connectedClients").asInt()).isEqualTo(2);
    }

    long rows(String sql) {
        try {
            return h.rows(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void documentsArePrivateToTheirOwnerAndALargeDocumentRoundTrips() {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        String[] bobKey = h.server.createCredential("bob");
        DocClient bob = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        ann.awaitConnected(java.time.Duration.ofSeconds(10));
        bob.awaitConnected(java.time.Duration.ofSeconds(10));
        ObjectNode big = JSON.createObjectNode();
        ArrayNode items = big.putArray("items");
        for (int i = 0; i < 1000; i++) {
            items.addObject().put("n", i).put("text", "item " + i);
        }
        String id = ann.create("big", big);
        DocClient ann2 = h.client("ann2", "ann@example.com");
        await("second client of ann has it", () -> has(ann2, id));
        assertThat(ann2.get(id).get().content()).isEqualTo(big);
        String bobs = bob.create("bob's", obj("{}"));
        await("ann's other client sees bob's? no; bob's doc stored", () -> rows(
                "SELECT count(*) FROM docsync_documents WHERE id = '" + bobs + "'") == 1);
        assertThat(bob.get(id)).isEmpty();
        assertThat(ann.get(bobs)).isEmpty();

        String shared = ann.create("for bob too", obj("{\"a\":1}"), List.of("bob@example.com"));
        await("shared with bob", () -> has(bob, shared));
        bob.update(shared, "edited by bob", c -> c.put("b", 2));
        await("bob's edit reaches ann", () -> "edited by bob".equals(ann.get(shared).get().title())
                && ann.get(shared).get().content().path("b").asInt() == 2);
        assertThat(bob.get(id)).isEmpty();
    }

    @Test
    void theSenderNeverGetsItsOwnChangeBack() {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = h.client("b", "ann@example.com");
        a.awaitConnected(java.time.Duration.ofSeconds(10));
        String id = a.create("tags", obj("{\"tags\":[\"one\"]}"));
        await("B has it", () -> has(b, id));
        a.update(id, null, c -> {
            ((ArrayNode) c.get("tags")).add("two");
            return c;
        });
        await("B sees two tags", () -> b.get(id).get().content().path("tags").size() == 2);
        await("A is synced", () -> a.status(id) == DocStatus.SYNCED && a.get(id).get().version() == 2);
        assertThat(a.get(id).get().content().path("tags")).hasSize(2);
        assertThat(b.get(id).get().content().path("tags")).hasSize(2);
    }

    @Test
    void twoClientsEditingOneDocumentConverge() {
        converge(2);
    }

    /** A client of ann's, connected to the server of this test. */
    DocClient connected(String name) {
        DocClient c = h.client(name, "ann@example.com");
        c.awaitConnected(java.time.Duration.ofSeconds(10));
        return c;
    }

    @Test
    void fiveClientsEditingOneDocumentConverge() {
        converge(5);
    }

    @Test
    void anotherClientsEditArrivingWhileAnEditIsComputedIsNotUndoneByIt() {
        harness();
        DocClient a = connected("a");
        DocClient b = connected("b");
        String id = a.create("shared", obj("{\"x\":0,\"y\":0}"));
        await("B has it", () -> has(b, id));
        a.update(id, null, c -> {
            // B's edit of x reaches the server, and is sent on to A, while A's edit of y is being computed from the
            // content read before it.
            b.update(id, null, cb -> cb.put("x", 1));
            await("the server has B's edit", () -> h.server.scriber().find(Document.class, id)
                    .map(d -> d.content().path("x").asInt() == 1).orElse(false));
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return c.put("y", 1);
        });
        await("both edits everywhere", () -> java.util.stream.Stream.of(a, b).allMatch(c -> c.pendingCount() == 0
                && c.get(id).get().content().path("x").asInt() == 1 && c.get(id).get().content().path("y").asInt() == 1)
                && h.server.scriber().find(Document.class, id).get().content().equals(obj("{\"x\":1,\"y\":1}")));
        assertThat(a.status(id)).isEqualTo(DocStatus.SYNCED);
    }

    void converge(int clients) {
        harness();
        List<DocClient> cs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            cs.add(h.client("c" + i, "ann@example.com"));
        }
        for (DocClient c : cs) {
            c.awaitConnected(java.time.Duration.ofSeconds(10));
        }
        String id = cs.get(0).create("shared", obj("{\"counter\":0}"));
        await("all have it", () -> cs.stream().allMatch(c -> has(c, id)));
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < cs.size(); i++) {
                int n = i;
                int r = round;
                cs.get(i).update(id, null, c -> c.put("field" + n, r).put("counter", n * 10 + r));
            }
        }
        java.util.function.Supplier<String> states = () -> {
            StringBuilder sb = new StringBuilder();
            for (DocClient c : cs) {
                sb.append('\n').append(c.get(id).get()).append(" pending=").append(c.pendingCount())
                        .append(" status=").append(c.status(id));
            }
            return sb.append("\nserver ").append(h.server.scriber().find(Document.class, id).get()).toString();
        };
        try {
            await("converged", () -> {
                Document first = cs.get(0).get(id).get();
                return cs.stream().allMatch(c -> c.get(id).get().content().equals(first.content())
                        && c.get(id).get().version() == first.version() && c.pendingCount() == 0)
                        && first.version() == h.server.scriber().find(Document.class, id).get().version()
                        && first.content().equals(h.server.scriber().find(Document.class, id).get().content());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; the clients and the server hold:" + states.get(), e);
        }
        ObjectNode content = cs.get(0).get(id).get().content();
        for (int i = 0; i < clients; i++) {
            assertThat(content.path("field" + i).asInt()).as("field%d of %s", i, states.get()).isEqualTo(2);
        }
    }

    @Test
    void aConcurrentEditOfTheSameFieldIsAConflictTheServerWinsAndLogs() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = h.client("b", "ann@example.com");
        List<DocEvent> onB = new CopyOnWriteArrayList<>();
        b.onEvent(onB::add);
        a.awaitConnected(java.time.Duration.ofSeconds(10));
        b.awaitConnected(java.time.Duration.ofSeconds(10));
        String id = a.create("doc", obj("{\"k\":\"start\"}"));
        await("B has it", () -> has(b, id));
        h.server.close();
        await("both offline", () -> !a.isConnected() && !b.isConnected());
        h.startServer();
        a.update(id, null, c -> c.put("k", "from a"));
        b.update(id, null, c -> c.put("k", "from b"));
        // Both edits were made offline against version 1; whichever reaches the server first wins.
        await("converged", () -> a.get(id).get().content().equals(b.get(id).get().content())
                && a.pendingCount() == 0 && b.pendingCount() == 0 || (a.status(id) == DocStatus.CONFLICT
                || b.status(id) == DocStatus.CONFLICT) && a.get(id).get().content().equals(b.get(id).get().content()));
        await("conflict logged", () -> rows("SELECT count(*) FROM docsync_events WHERE lost AND kind = 'conflict'") == 1);
    }

    @Test
    void aConflictMarkStaysAcrossARestartUntilTheDocumentIsEditedAgain() throws Exception {
        harness();
        DocClient a = connected("a");
        DocClient b = connected("b");
        String id = a.create("doc", obj("{\"k\":\"start\"}"));
        await("B has it", () -> has(b, id));
        h.server.close();
        await("both offline", () -> !a.isConnected() && !b.isConnected());
        a.update(id, null, c -> c.put("k", "from a"));
        b.update(id, null, c -> c.put("k", "from b"));
        h.startServer();
        await("a conflict", () -> a.status(id) == DocStatus.CONFLICT || b.status(id) == DocStatus.CONFLICT);
        String loser = a.status(id) == DocStatus.CONFLICT ? "a" : "b";
        (loser.equals("a") ? a : b).close();

        DocClient again = h.client(loser, "ann@example.com");
        assertThat(again.status(id)).as("the mark after a restart").isEqualTo(DocStatus.CONFLICT);
        again.update(id, null, c -> c.put("k", "resolved"));
        assertThat(again.status(id)).isNotEqualTo(DocStatus.CONFLICT);
        again.close();
        DocClient third = h.client(loser, "ann@example.com");
        assertThat(third.status(id)).as("edited again: no mark after the next restart").isNotEqualTo(DocStatus.CONFLICT);
    }

    @Test
    void editsMadeWhileTheServerIsDownReachEveryClientOnePatchPerEdit() throws Exception {
        harness();
        DocClient a = connected("a");
        DocClient b = connected("b");
        String shared = a.create("shared", obj("{\"list\":[]}"));
        await("B has it", () -> has(b, shared) && a.status(shared) == DocStatus.SYNCED);
        h.server.close();
        await("both offline", () -> !a.isConnected() && !b.isConnected());

        for (int i = 0; i < 5; i++) {
            int n = i;
            a.update(shared, null, c -> {
                ((ArrayNode) c.get("list")).add("a" + n);
                return c;
            });
        }
        b.update(shared, "renamed offline", null);
        String fromA = a.create("made offline on a", obj("{\"x\":1}"));
        String fromB = b.create("made offline on b", obj("{\"y\":2}"));
        assertThat(a.status(shared)).isEqualTo(DocStatus.PENDING);
        // Every change is counted until the server acknowledges it: five edits and a create on A.
        assertThat(a.pendingCount()).isEqualTo(6);
        assertThat(b.pendingCount()).isEqualTo(2);
        assertThat(a.get(shared).get().content().path("list")).hasSize(5);

        h.startServer();
        await("every client has every document", () -> a.list().size() == 3 && b.list().size() == 3
                && has(a, fromB) && has(b, fromA));
        await("edits merged everywhere", () -> b.get(shared).get().content().path("list").size() == 5
                && "renamed offline".equals(a.get(shared).get().title())
                && a.pendingCount() == 0 && b.pendingCount() == 0);
        // Each offline edit was stored when it was made and travelled as its own update.
        assertThat(rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + shared
                + "' AND kind = 'update' AND client_id = '" + a.clientId() + "'")).isEqualTo(5);
    }

    @Test
    void applyingEachReversePatchInTurnRestoresEveryEarlierVersion() {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        a.awaitConnected(java.time.Duration.ofSeconds(10));
        String id = a.create("history", obj("{\"n\":0}"));
        for (int i = 1; i <= 4; i++) {
            int n = i;
            long v = i;
            await("version " + v, () -> a.get(id).get().version() == v && a.status(id) == DocStatus.SYNCED);
            a.update(id, "title " + i, c -> c.put("n", n).put("k" + n, true));
        }
        await("version 5", () -> rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "'") == 5);
        a.delete(id);
        await("deleted", () -> rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "'") == 6);
        ArrayNode events = h.server.db().events(id);
        List<JsonNode> versions = new ArrayList<>();
        JsonNode doc = null;
        for (JsonNode e : events) {
            doc = e.path("kind").asText().equals("create") ? e.get("forward")
                    : e.get("forward").isNull() ? null : Patches.apply(e.get("forward"), doc);
            versions.add(doc);
        }
        assertThat(versions.get(4).path("content").path("n").asInt()).isEqualTo(4);
        assertThat(versions.get(5)).isNull();
        JsonNode back = events.get(5).get("reverse");
        assertThat(back).isEqualTo(versions.get(4));
        for (int i = 4; i >= 1; i--) {
            back = Patches.apply(events.get(i).get("reverse"), back);
            assertThat(back).isEqualTo(versions.get(i - 1));
        }
        assertThat(back.path("content")).isEqualTo(obj("{\"n\":0}"));
    }

    @Test
    void withNoDatabaseTheServerKeepsEverythingInAnEmbeddedStoreAcrossRestarts() throws Exception {
        h = new Harness(dir);
        h.server = io.scribe.docsync.server.DocServer.start(
                io.scribe.docsync.server.DocServer.Config.of(null, dir.resolve("embedded"), 0));
        h.credential = h.server.createCredential("embedded");
        DocClient a = h.client("a", "ann@example.com");
        a.awaitConnected(java.time.Duration.ofSeconds(10));
        String id = a.create("kept", obj("{\"x\":1}"));
        await("on the server", () -> h.server.scriber().find(Document.class, id).isPresent()
                && h.server.db().events(id).size() == 1);
        int port = h.server.uri().getPort();
        h.server.close();
        h.server = io.scribe.docsync.server.DocServer.start(new io.scribe.docsync.server.DocServer.Config(null,
                dir.resolve("embedded"), port, "127.0.0.1", java.time.Clock.systemUTC()));
        DocClient b = h.client("b", "ann@example.com");
        await("B gets it from the restarted server", () -> has(b, id));
        assertThat(h.server.db().events(id)).hasSize(1);
    }

    @Test
    void theTaskManagerIsDrivenThroughStandardInput() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = h.client("b", "ann@example.com");
        a.awaitConnected(java.time.Duration.ofSeconds(10));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8);
        String script = "add buy milk priority=2 tags=shop,home\nwait\nlist\nbogus\n";
        new io.scribe.docsync.cli.DocSync.Tasks(a, out).loop(new java.io.BufferedReader(
                new java.io.StringReader(script)));
        await("B has the task", () -> b.list().size() == 1);
        String id = b.list().get(0).id();
        new io.scribe.docsync.cli.DocSync.Tasks(a, out).loop(new java.io.BufferedReader(new java.io.StringReader(
                "done " + id.substring(0, 6) + "\ntag " + id.substring(0, 6) + " urgent\nwait\nlist\n")));
        await("B sees it done and tagged", () -> b.get(id).get().content().path("done").asBoolean()
                && b.get(id).get().content().path("tags").size() == 3);
        String text = bytes.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(text).contains("added ").contains("synced").contains("buy milk").contains("unknown command bogus");
        assertThat(b.get(id).get().content().path("priority").asInt()).isEqualTo(2);
        new io.scribe.docsync.cli.DocSync.Tasks(b, out).loop(new java.io.BufferedReader(new java.io.StringReader(
                "del " + id.substring(0, 6) + "\n")));
        await("deleted on A", () -> a.list().isEmpty());
    }
}
