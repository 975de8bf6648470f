package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Policy;
import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.Store;
import io.scribe.docsync.cli.DocSync;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.client.DocEvent;
import io.scribe.docsync.client.DocStatus;
import io.scribe.transport.netty.ScribeClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server's rules against a real server on PostgreSQL: ownership of document ids, privacy of deletes, one live
 * session per client GUID, an update racing a delete, and a client's own paced edits.
 */
class ServerRulesTest extends ServerTest {

    final List<Raw> raws = new ArrayList<>();

    @BeforeEach
    void start() {
        harness();
    }

    @AfterEach
    void closePeers() throws Exception {
        for (Raw r : raws) {
            r.close();
        }
    }

    /** A bare Scribe peer (in-memory store) that authenticates with a credential and records what it is sent. */
    final class Raw implements AutoCloseable {
        final Scriber scriber;
        final ScribeClient link;
        final CompletableFuture<JsonNode> auth = new CompletableFuture<>();
        final List<JsonNode> conflicts = new CopyOnWriteArrayList<>();

        Raw(String clientId, String email, String[] credential) {
            ObjectNode message = DocClient.authMessage(email, credential[0], credential[1], clientId,
                    System.currentTimeMillis() / 1000);
            scriber = Scriber.builder().clientId(clientId).store(Store.inMemory())
                    .register(Document.class, Policy.<Document>defaults().withKeyMerge("content"))
                    .handle("conflict", (s, m) -> {
                        conflicts.add(m);
                        return null;
                    })
                    .onError(e -> { })
                    .build();
            link = ScribeClient.webSocket(scriber, h.server.uri()).serverId("server")
                    .onSession(s -> s.request(message).whenComplete((r, e) -> {
                        if (e != null) {
                            auth.completeExceptionally(e);
                        } else {
                            auth.complete(r);
                        }
                    })).start();
            raws.add(this);
        }

        Session session() {
            return link.awaitSession(Duration.ofSeconds(10));
        }

        @Override
        public void close() {
            link.close();
            scriber.close();
        }
    }

    long rows(String sql) {
        try {
            return h.rows(sql);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static ScribeException refusal(CompletableFuture<JsonNode> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause() instanceof ScribeException se ? se : null;
        }
    }

    static ObjectNode addScribe(ObjectNode scribe) {
        ObjectNode add = JSON.createObjectNode().put("type", "add_scribe");
        add.set("scribe", scribe);
        return add;
    }

    @Test
    void aCreateReusingAnotherUsersDocumentIdIsRefusedAndRevealsNothing() throws Exception {
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("ann's plans", JSON.createObjectNode().put("secret", "s1"));
        await("stored", () -> h.server.scriber().find(Document.class, id).isPresent());

        Raw bob = new Raw("bob-raw", "bob@example.com", h.server.createCredential("bob"));
        assertThat(refusal(bob.auth)).isNull();
        Session session = bob.session();
        // Bob names himself owner and carries stamps far ahead of the current values.
        long ahead = (System.currentTimeMillis() + 60_000) << 16;
        ObjectNode data = JSON.createObjectNode().put("id", id).put("owner", "bob@example.com")
                .put("title", "bob's now").put("version", 0);
        data.putObject("content").put("secret", "stolen");
        data.putArray("sharedWith");
        ObjectNode scribe = JSON.createObjectNode().put("id", "1").put("klass", "Document").put("type", "create")
                .put("origin", "bob-raw").put("clock", ahead);
        scribe.set("data", data);
        ObjectNode base = scribe.putObject("base");
        for (String f : List.of("owner", "title", "content/secret", "sharedWith")) {
            base.put(f, ahead);
        }
        ScribeException refused = refusal(session.request(addScribe(scribe)));
        assertThat(refused).isNotNull();
        assertThat(refused.code()).isEqualTo(403);
        assertThat(refused.getMessage()).doesNotContain("ann").doesNotContain("plans").doesNotContain("s1");

        ann.update(id, null, c -> c.put("later", true));
        await("ann's edit stored", () -> h.server.scriber().find(Document.class, id).get().content().has("later"));
        Document kept = h.server.scriber().find(Document.class, id).get();
        assertThat(kept.owner()).isEqualTo("ann@example.com");
        assertThat(kept.title()).isEqualTo("ann's plans");
        assertThat(kept.content().path("secret").asText()).isEqualTo("s1");
        assertThat(h.rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "' AND author <> "
                + "'ann@example.com'")).isZero();
        assertThat(h.rows("SELECT count(*) FROM docsync_documents WHERE id = '" + id
                + "' AND owner = 'ann@example.com' AND title = 'ann''s plans'")).isEqualTo(1);
        // Nothing of ann's document reached bob: no object, no conflict message.
        assertThat(bob.scriber.find(Document.class, id)).isEmpty();
        assertThat(bob.conflicts).isEmpty();
        assertThat(ann.get(id).get().owner()).isEqualTo("ann@example.com");
    }

    @Test
    void theDeleteOfAPrivateDocumentReachesOnlyItsReadersOnCatchUp() throws Exception {
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        String priv = ann.create("private", JSON.createObjectNode());
        String shared = ann.create("shared", JSON.createObjectNode(), List.of("carol@example.com"));
        await("stored", () -> h.server.scriber().find(Document.class, shared).isPresent());
        ann.delete(priv);
        ann.delete(shared);
        await("deleted", () -> rows("SELECT count(*) FROM docsync_documents WHERE deleted") == 2);
        // A restarted server still knows who may receive those deletes.
        h.server.close();
        h.startServer();

        Raw bob = new Raw("bob-raw", "bob@example.com", h.server.createCredential("bob"));
        assertThat(refusal(bob.auth)).isNull();
        bob.session().catchUp().get(10, TimeUnit.SECONDS);
        Raw carol = new Raw("carol-raw", "carol@example.com", h.server.createCredential("carol"));
        assertThat(refusal(carol.auth)).isNull();
        carol.session().catchUp().get(10, TimeUnit.SECONDS);
        // Bob never could read either document: his catch-up carries neither delete (no tombstone stored).
        assertThat(bob.scriber.store().object(Document.KLASS, priv)).isEmpty();
        assertThat(bob.scriber.store().object(Document.KLASS, shared)).isEmpty();
        assertThat(bob.scriber.store().lastId()).isZero();
        // Carol could read the shared one: she gets its delete (a tombstone), not the private one's.
        assertThat(carol.scriber.store().object(Document.KLASS, shared)).hasValueSatisfying(
                s -> assertThat(s.destroyed()).isTrue());
        assertThat(carol.scriber.store().object(Document.KLASS, priv)).isEmpty();
    }

    @Test
    void aClientIdInUseByALiveSessionIsRefusedAndTheLiveSessionKeepsWorking() throws Exception {
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("doc", JSON.createObjectNode().put("n", 0));
        await("stored", () -> h.server.scriber().find(Document.class, id).isPresent());
        Session live = h.server.scriber().client(ann.clientId()).sessions().get(0);

        // The same GUID from elsewhere (a copied data directory), with valid credentials.
        for (int i = 0; i < 3; i++) {
            Raw copy = new Raw(ann.clientId(), "ann@example.com", h.credential);
            ScribeException refused = refusal(copy.auth);
            assertThat(refused).isNotNull();
            assertThat(refused.code()).isEqualTo(409);
            assertThat(refused.getMessage()).contains("in use by another live session").contains("reset-identity");
            copy.close();
        }
        // The first session was never knocked off, and still syncs.
        assertThat(live.isOpen()).isTrue();
        // The refused connections close a moment after their refusal (the server lets the error reach them first).
        await("only the live session is left", () -> h.server.scriber().client(ann.clientId()).sessions()
                .equals(java.util.List.of(live)));
        ann.update(id, null, c -> c.put("n", 1));
        await("edit stored", () -> h.server.scriber().find(Document.class, id).get().content().path("n").asInt() == 1);
        await("acknowledged", () -> ann.status(id) == DocStatus.SYNCED);
    }

    @Test
    void anUpdateRacingADeleteIsLoggedAsAConflictAndItsAuthorIsTold() throws Exception {
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("shared", JSON.createObjectNode().put("k", "v"), List.of("bob@example.com"));
        Raw bob = new Raw("bob-raw", "bob@example.com", h.server.createCredential("bob"));
        assertThat(refusal(bob.auth)).isNull();
        await("bob has it", () -> bob.scriber.find(Document.class, id).isPresent());
        long seen = bob.scriber.store().object(Document.KLASS, id).get().stamps().get("content/k").clock();

        ann.delete(id);
        await("deleted on the server", () -> h.server.scriber().find(Document.class, id).isEmpty());
        // Bob's edit, made before he heard of the delete, arrives after it.
        ObjectNode scribe = JSON.createObjectNode().put("id", "7").put("klass", "Document").put("type", "update")
                .put("origin", "bob-raw").put("clock", ((System.currentTimeMillis()) << 16) + 1);
        scribe.putArray("data").add(id).addObject().putObject("content").put("k", "bob's");
        scribe.putObject("base").put("content/k", seen);
        assertThat(refusal(bob.session().request(addScribe(scribe)))).isNull();
        await("bob is told", () -> bob.conflicts.size() == 1);
        assertThat(bob.conflicts.get(0).path("doc").asText()).isEqualTo(id);
        assertThat(bob.conflicts.get(0).path("lost").path("content").path("k").asText()).isEqualTo("bob's");
        assertThat(h.rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "' AND kind = 'conflict'"
                + " AND lost AND author = 'bob@example.com'")).isEqualTo(1);
        // The logged row keeps what was lost, as the conflicts inbox shows it.
        JsonNode row = java.util.stream.StreamSupport.stream(h.server.db().events(id).spliterator(), false)
                .filter(e -> e.path("lost").asBoolean()).findFirst().orElseThrow();
        assertThat(row.path("forward").toString())
                .isEqualTo("[{\"op\":\"replace\",\"path\":\"/content/k\",\"value\":\"bob's\"}]");
        assertThat(h.server.scriber().find(Document.class, id)).isEmpty();
    }

    @Test
    void aLossWhoseNoticeNeverReachedItsClientMarksTheDocumentThereAtTheNextLogin() throws Exception {
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("notes", JSON.createObjectNode().put("k", "v"));
        await("stored", () -> h.server.scriber().find(Document.class, id).isPresent() && ann.pendingCount() == 0);
        long before = h.server.scriber().store().object(Document.KLASS, id).get().stamps().get("content/k").clock();
        String annId = ann.clientId();
        ann.close();
        DocClient other = h.client("other", "ann@example.com");
        await("the other client has it", () -> other.get(id).isPresent());
        other.update(id, null, c -> c.put("k", "other's"));
        await("other's edit stored", () -> h.server.scriber().find(Document.class, id).get().content().path("k")
                .asText().equals("other's"));

        // The last run of ann's client: its offline edit, made on what it held, reaches the server after the other
        // client's, and that run quits before the server's notice reaches it.
        Raw lastRun = new Raw(annId, "ann@example.com", h.credential);
        assertThat(refusal(lastRun.auth)).isNull();
        ObjectNode scribe = JSON.createObjectNode().put("id", "9").put("klass", "Document").put("type", "update")
                .put("origin", annId).put("clock", (System.currentTimeMillis() << 16) + 1);
        scribe.putArray("data").add(id).addObject().putObject("content").put("k", "ann's offline");
        scribe.putObject("base").put("content/k", before);
        assertThat(refusal(lastRun.session().request(addScribe(scribe)))).isNull();
        lastRun.close();
        await("the loss logged", () -> rows("SELECT count(*) FROM docsync_events WHERE kind = 'conflict' AND lost"
                + " AND client_id = '" + annId + "'") == 1);

        List<DocEvent> told = new CopyOnWriteArrayList<>();
        DocClient again = h.client("ann", "ann@example.com");
        again.onEvent(told::add);
        await("marked at the next login", () -> again.status(id) == DocStatus.CONFLICT);
        await("told once", () -> told.stream().anyMatch(e -> e.kind() == DocEvent.Kind.CONFLICT));
        DocEvent conflict = told.stream().filter(e -> e.kind() == DocEvent.Kind.CONFLICT).findFirst().get();
        assertThat(conflict.docId()).isEqualTo(id);
        long seq = conflict.detail().path("seq").asLong();
        assertThat(DocSync.Tasks.describe(again, conflict)).contains("restore #" + seq);
        assertThat(again.conflicts()).extracting(c -> c.path("seq").asLong()).contains(seq);
        assertThat(again.get(id).get().content().path("k").asText()).isEqualTo("other's");
        again.close();

        DocClient third = h.client("ann", "ann@example.com");
        third.awaitConnected(Duration.ofSeconds(10));
        assertThat(third.status(id)).as("still marked after a restart").isEqualTo(DocStatus.CONFLICT);
        third.restore(seq);
        assertThat(third.status(id)).as("edited again").isNotEqualTo(DocStatus.CONFLICT);
        await("restored on the server", () -> h.server.scriber().find(Document.class, id).get().content().path("k")
                .asText().equals("ann's offline"));
        third.close();

        List<DocEvent> fourthTold = new CopyOnWriteArrayList<>();
        DocClient fourth = h.client("ann", "ann@example.com");
        fourth.onEvent(fourthTold::add);
        fourth.awaitConnected(Duration.ofSeconds(10));
        // The login's question answered: nothing after the loss already handled.
        assertThat(fourth.conflicts()).hasSize(1);
        Thread.sleep(300);
        assertThat(fourth.status(id)).as("a handled loss does not mark again").isNotEqualTo(DocStatus.CONFLICT);
        assertThat(fourthTold).noneMatch(e -> e.kind() == DocEvent.Kind.CONFLICT);
    }

    @Test
    void theConflictsQueryFiltersByPositionAndClientAndRefusesBadArguments() throws Exception {
        String[] credential = h.server.createCredential("bob");
        Raw bob = new Raw("bob-raw", "bob@example.com", credential);
        assertThat(refusal(bob.auth)).isNull();
        ScribeException badAfter = refusal(bob.session().request(JSON.createObjectNode().put("type", "conflicts")
                .put("after", "soon")));
        assertThat(badAfter.code()).isEqualTo(400);
        assertThat(badAfter.getMessage()).contains("after must be a non-negative whole number");
        ScribeException negative = refusal(bob.session().request(JSON.createObjectNode().put("type", "conflicts")
                .put("after", -1)));
        assertThat(negative.code()).isEqualTo(400);
        ScribeException badClient = refusal(bob.session().request(JSON.createObjectNode().put("type", "conflicts")
                .put("thisClient", "yes")));
        assertThat(badClient.code()).isEqualTo(400);
        assertThat(badClient.getMessage()).contains("thisClient must be true or false");

        // Two losses of bob's, from two clients; the session keeps working after the refusals above.
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("shared", JSON.createObjectNode().put("k", "v"), List.of("bob@example.com"));
        await("bob has it", () -> bob.scriber.find(Document.class, id).isPresent());
        long seen = bob.scriber.store().object(Document.KLASS, id).get().stamps().get("content/k").clock();
        ann.update(id, null, c -> c.put("k", "ann's"));
        await("ann's edit stored", () -> h.server.scriber().find(Document.class, id).get().content().path("k")
                .asText().equals("ann's"));
        ObjectNode scribe = JSON.createObjectNode().put("id", "3").put("klass", "Document").put("type", "update")
                .put("origin", "bob-raw").put("clock", (System.currentTimeMillis() << 16) + 1);
        scribe.putArray("data").add(id).addObject().putObject("content").put("k", "bob's");
        scribe.putObject("base").put("content/k", seen);
        assertThat(refusal(bob.session().request(addScribe(scribe)))).isNull();
        await("bob is told", () -> bob.conflicts.size() == 1);
        long first = bob.conflicts.get(0).path("seq").asLong();
        assertThat(first).as("the notice names the loss's row").isPositive();

        Raw phone = new Raw("bob-phone", "bob@example.com", credential);
        assertThat(refusal(phone.auth)).isNull();
        await("phone has it", () -> phone.scriber.find(Document.class, id).isPresent());
        ObjectNode second = scribe.deepCopy().put("id", "4").put("origin", "bob-phone")
                .put("clock", (System.currentTimeMillis() << 16) + 2);
        assertThat(refusal(phone.session().request(addScribe(second)))).isNull();
        await("phone is told", () -> phone.conflicts.size() == 1);
        long last = phone.conflicts.get(0).path("seq").asLong();

        JsonNode all = bob.session().request(JSON.createObjectNode().put("type", "conflicts")).get(10, TimeUnit.SECONDS)
                .path("result").path("conflicts");
        assertThat(all).extracting(c -> c.path("seq").asLong()).containsExactly(first, last);
        JsonNode mine = bob.session().request(JSON.createObjectNode().put("type", "conflicts").put("thisClient", true))
                .get(10, TimeUnit.SECONDS).path("result").path("conflicts");
        assertThat(mine).extracting(c -> c.path("clientId").asText()).containsExactly("bob-raw");
        JsonNode after = bob.session().request(JSON.createObjectNode().put("type", "conflicts").put("after", first))
                .get(10, TimeUnit.SECONDS).path("result").path("conflicts");
        assertThat(after).extracting(c -> c.path("seq").asLong()).containsExactly(last);
    }

    @Test
    void editsOfOneKeyEvery50MillisecondsAreNeverRefused() throws Exception {
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = h.client("b", "ann@example.com");
        a.awaitConnected(Duration.ofSeconds(10));
        b.awaitConnected(Duration.ofSeconds(10));
        String id = a.create("paced", JSON.createObjectNode().put("n", 0));
        await("b has it", () -> b.get(id).isPresent());
        for (int i = 1; i <= 40; i++) {
            int n = i;
            a.update(id, "t" + i, c -> c.put("n", n));
            Thread.sleep(50);
        }
        await("all acknowledged", () -> a.pendingCount() == 0 && a.status(id) == DocStatus.SYNCED
                && b.get(id).get().content().path("n").asInt() == 40);
        assertThat(h.rows("SELECT count(*) FROM docsync_events WHERE kind = 'conflict'")).isZero();
        assertThat(h.server.scriber().find(Document.class, id).get().content().path("n").asInt()).isEqualTo(40);
        assertThat(h.server.scriber().find(Document.class, id).get().title()).isEqualTo("t40");
        // One event per accepted edit, versions 1..N without gaps or repeats.
        long events = h.rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "'");
        assertThat(h.rows("SELECT count(DISTINCT version) FROM docsync_events WHERE doc_id = '" + id + "'"))
                .isEqualTo(events);
        assertThat(h.rows("SELECT max(version) FROM docsync_events WHERE doc_id = '" + id + "'")).isEqualTo(events);
        assertThat(a.get(id).get().version()).isEqualTo(events);
    }

    @Test
    void anEditItsEventRowAndItsVersionStampAreWrittenInOneTransaction() throws Exception {
        List<DocClient> clients = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clients.add(h.client("c" + i, "ann@example.com"));
        }
        List<String> ids = new ArrayList<>();
        for (DocClient c : clients) {
            c.awaitConnected(Duration.ofSeconds(10));
            ids.add(c.create("doc", JSON.createObjectNode().put("n", 0)));
        }
        for (int round = 1; round <= 10; round++) {
            for (int i = 0; i < clients.size(); i++) {
                int n = round;
                clients.get(i).update(ids.get(i), null, c -> c.put("n", n));
            }
        }
        await("all acknowledged", () -> clients.stream().allMatch(c -> c.pendingCount() == 0)
                && rows("SELECT count(*) FROM docsync_events") == 44);
        // Rows written by one transaction share its xmin: each transaction that wrote event rows wrote exactly the
        // changes' scribes and their version stamps (two log rows per event) and nothing else wrote those.
        assertThat(rows("SELECT count(*) FROM (SELECT xmin::text AS x, count(*) AS n FROM docsync_events GROUP BY 1) ev"
                + " LEFT JOIN (SELECT xmin::text AS x, count(*) AS n FROM log GROUP BY 1) lg ON ev.x = lg.x"
                + " WHERE lg.n IS DISTINCT FROM 2 * ev.n")).isZero();
        assertThat(rows("SELECT count(*) FROM log l WHERE NOT EXISTS (SELECT 1 FROM docsync_events e"
                + " WHERE e.xmin::text = l.xmin::text)")).isZero();
        // The document rows and object states were written by those transactions too.
        assertThat(rows("SELECT count(*) FROM docsync_documents d WHERE NOT EXISTS (SELECT 1 FROM docsync_events e"
                + " WHERE e.xmin::text = d.xmin::text)")).isZero();
        assertThat(rows("SELECT count(*) FROM objects o WHERE NOT EXISTS (SELECT 1 FROM docsync_events e"
                + " WHERE e.xmin::text = o.xmin::text)")).isZero();
    }

    @Test
    void anOlderSessionThatNoLongerAnswersGivesWayToTheSameClientIdAfterTheProbe() throws Exception {
        String guid = "c-half-open";
        // A peer that logs in and then never answers anything: a connection left half-open by a network loss.
        java.net.http.WebSocket silent = java.net.http.HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(h.server.uri(), new java.net.http.WebSocket.Listener() { })
                .get(10, TimeUnit.SECONDS);
        try {
            silent.sendText("{\"type\":\"hello\",\"client\":\"" + guid + "\"}", true).get(10, TimeUnit.SECONDS);
            ObjectNode auth = DocClient.authMessage("ann@example.com", h.credential[0], h.credential[1], guid,
                    System.currentTimeMillis() / 1000).put("id", 1);
            silent.sendText(auth.toString(), true).get(10, TimeUnit.SECONDS);
            await("logged in", () -> h.server.scriber().client(guid).sessions().stream()
                    .anyMatch(s -> s.principal().isPresent()));

            Raw first = new Raw(guid, "ann@example.com", h.credential);
            ScribeException refused = refusal(first.auth);
            assertThat(refused).isNotNull();
            assertThat(refused.code()).isEqualTo(409);
            first.close();
            // The silent session did not answer the server's probe: it is closed, and the client gets in.
            await("the silent session is closed", () -> h.server.scriber().client(guid).sessions().stream()
                    .noneMatch(s -> s.principal().isPresent()));
            Raw second = new Raw(guid, "ann@example.com", h.credential);
            assertThat(refusal(second.auth)).isNull();
        } finally {
            silent.abort();
        }
    }
}
