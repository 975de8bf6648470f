package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.docsync.client.DocClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Sharing an existing document from the client: live, on catch-up, and unsharing. */
class SharingTest extends ServerTest {

    /** Whether {@code c} holds the document as the server sent it again after sharing it with {@code shares} users. */
    boolean holdsResent(DocClient c, String id, int shares) {
        var mine = c.scriber().store().object(Document.KLASS, id);
        var server = h.server.scriber().store().object(Document.KLASS, id);
        if (mine.isEmpty() || server.isEmpty() || server.get().fields().path("sharedWith").size() != shares) {
            return false;
        }
        var stamp = server.get().stamps().get("title");
        return stamp.origin().equals("server") && stamp.clock() > lastResent && stamp.equals(mine.get().stamps()
                .get("title"));
    }

    long lastResent;

    @Test
    void anExistingDocumentSharedLaterReachesTheUserLiveAndOnCatchUpAndUnshareStopsIt() throws Exception {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        DocClient ann2 = h.client("ann2", "ann@example.com");
        String[] bobKey = h.server.createCredential("bob");
        DocClient bob = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        String[] carolKey = h.server.createCredential("carol");
        ann.awaitConnected(Duration.ofSeconds(10));
        bob.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("plan", JSON.createObjectNode().put("step", 1));
        String p = id.substring(0, 8);
        run(ann, "edit " + p + " priority=3\nwait\n");
        await("ann2 has it", () -> ann2.get(id).map(d -> d.content().path("priority").asInt() == 3).orElse(false));
        assertThat(bob.get(id)).isEmpty();

        assertThat(run(ann, "share " + p + " bob@example.com\nwait\n"))
                .contains("shared " + p + " with bob@example.com").contains("synced");
        // The document sent again re-stamps its values: the next write waits until the owner has it.
        await("ann holds what the server sent", () -> holdsResent(ann, id, 1));
        lastResent = h.server.scriber().store().object(Document.KLASS, id).get().stamps().get("title").clock();
        assertThat(run(ann, "share " + p + " carol@example.com\nwait\n")).contains("synced");
        await("bob receives the whole document live", () -> bob.get(id)
                .map(d -> d.content().path("priority").asInt() == 3 && d.content().path("step").asInt() == 1
                        && "plan".equals(d.title()))
                .orElse(false));
        await("bob and ann2 hold the last share", () -> holdsResent(bob, id, 2) && holdsResent(ann2, id, 2));
        bob.update(id, null, c -> c.put("step", 2));
        await("ann and ann2 see bob's edit", () -> ann.get(id).get().content().path("step").asInt() == 2
                && ann2.get(id).get().content().path("step").asInt() == 2);
        ann2.update(id, "plan b", null);
        await("bob sees ann2's edit", () -> "plan b".equals(bob.get(id).get().title()));

        // Carol was never connected: she gets it on her first catch-up.
        DocClient carol = h.client("carol", "carol@example.com", carolKey[0], carolKey[1]);
                await("carol has it on catch-up", () -> carol.get(id).map(d -> "plan b".equals(d.title())
                && d.content().path("step").asInt() == 2).orElse(false));

        assertThat(run(bob, "share " + p + " dan@example.com\n")).contains("!! only its owner ann@example.com");
        assertThat(run(ann, "unshare " + p + " bob@example.com\nwait\n")).contains("unshared").contains("synced");
        await("the server no longer shares it with bob", () -> !h.server.scriber().find(Document.class, id).get()
                .sharedWith().contains("bob@example.com"));
        ann.update(id, null, c -> c.put("step", 3));
        await("carol gets the edit", () -> carol.get(id).get().content().path("step").asInt() == 3);
        assertThat(bob.get(id).get().content().path("step").asInt()).isEqualTo(2);
        int refused = bob.refusals();
        bob.update(id, null, c -> c.put("step", 99));
        await("bob's edit is refused", () -> bob.refusals() > refused);
        assertThat(h.server.scriber().find(Document.class, id).get().content().path("step").asInt()).isEqualTo(3);
        await("bob has nothing pending", () -> bob.pendingCount() == 0);
    }

    @Test
    void aDeleteTheServerRefusesBringsTheDocumentBackOnTheUsersClientOnlineAndOffline() throws Exception {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        String[] bobKey = h.server.createCredential("bob");
        DocClient bob = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        ann.awaitConnected(Duration.ofSeconds(10));
        bob.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("plan", JSON.createObjectNode().put("step", 1));
        ann.share(id, "bob@example.com");
        await("bob has it", () -> bob.get(id).isPresent());

        // The client refuses a non-owner's delete itself; one that reaches the server anyway (another client
        // program, an older version) is refused there and undone here.
        java.util.List<io.scribe.docsync.client.DocEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        bob.onEvent(events::add);
        int refused = bob.refusals();
        bob.scriber().destroy(bob.scriber().find(Document.class, id).orElseThrow());
        await("the server refused it", () -> bob.refusals() > refused);
        await("bob holds it again", () -> bob.get(id).map(d -> "plan".equals(d.title())).orElse(false));
        await("bob was told it is back", () -> events.stream().anyMatch(e -> e.docId() != null
                && e.docId().equals(id) && e.kind() == io.scribe.docsync.client.DocEvent.Kind.CREATED));
        assertThat(h.server.scriber().find(Document.class, id)).isPresent();
        ann.update(id, null, c -> c.put("step", 2));
        await("bob gets ann's next edit", () -> bob.get(id).map(d -> d.content().path("step").asInt() == 2)
                .orElse(false));

        // Offline: the delete reaches the server in its catch-up of bob's log, and is undone the same way.
        h.server.close();
        await("bob is offline", () -> !bob.isConnected());
        bob.scriber().destroy(bob.scriber().find(Document.class, id).orElseThrow());
        assertThat(bob.get(id)).isEmpty();
        h.startServer();
        await("bob holds it again after reconnecting", () -> bob.get(id)
                .map(d -> d.content().path("step").asInt() == 2).orElse(false));
        assertThat(ann.get(id)).isPresent();
        assertThat(bob.scriber().store().object(Document.KLASS, id).orElseThrow().destroyed()).isFalse();
    }

    @Test
    void aUserADocumentIsSharedWithGetsItWholeWithoutTheSharingUpdateItCannotPlay() throws Exception {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        String[] bobKey = h.server.createCredential("bob");
        java.util.List<io.scribe.core.ScribeException> bobErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
        // bob's client is a plain Scribe peer that authenticates as doc-sync clients do, so that every error its
        // engine meets is seen here.
        io.scribe.core.Scriber bob = io.scribe.core.Scriber.builder().clientId("bob-peer")
                .store(io.scribe.core.spi.Store.inMemory())
                .register(Document.class, io.scribe.core.Policy.<Document>defaults().withKeyMerge("content"))
                .onError(bobErrors::add)
                .build();
        java.util.function.Supplier<io.scribe.transport.netty.ScribeClient> connect = () ->
                io.scribe.transport.netty.ScribeClient.webSocket(bob, h.server.uri())
                        .serverId(io.scribe.docsync.server.DocServer.SERVER_ID)
                        .onSession(session -> session.request(DocClient.authMessage("bob@example.com", bobKey[0],
                                bobKey[1], "bob-peer", System.currentTimeMillis() / 1000)))
                        .start();
        try {
            var link = connect.get();
            link.awaitSession(Duration.ofSeconds(10));
            ann.awaitConnected(Duration.ofSeconds(10));
            String id = ann.create("plan", JSON.createObjectNode().put("step", 1));
            ann.update(id, null, c -> c.put("step", 2));
            ann.share(id, "bob@example.com");
            await("bob holds the document", () -> bob.find(Document.class, id)
                    .map(d -> d.content().path("step").asInt() == 2 && d.isSharedWith("bob@example.com"))
                    .orElse(false));
            ann.update(id, "plan b", null);
            await("bob gets ann's next edit", () -> bob.find(Document.class, id).map(d -> "plan b".equals(d.title()))
                    .orElse(false));
            assertThat(bobErrors).as("errors bob's engine met").isEmpty();

            // Made while bob is online (his cursor passes its create, which he may not see), shared while he is
            // offline: his catch-up carries the sharing update, then the document whole.
            String later = ann.create("later", JSON.createObjectNode().put("step", 7));
            ann.update(id, "plan c", null);
            await("bob's cursor passed the create", () -> bob.find(Document.class, id)
                    .map(d -> "plan c".equals(d.title())).orElse(false));
            link.close();
            ann.share(later, "bob@example.com");
            await("the server sent it again", () -> h.server.scriber().store().object(Document.KLASS, later)
                    .map(o -> o.stamps().get("title").origin().equals("server")).orElse(false));
            try (var again = connect.get()) {
                again.awaitSession(Duration.ofSeconds(10));
                await("bob holds the document shared while he was away", () -> bob.find(Document.class, later)
                        .map(d -> d.content().path("step").asInt() == 7).orElse(false));
            }
            assertThat(bobErrors).as("errors bob's engine met").isEmpty();
        } finally {
            bob.close();
        }
    }

    @Test
    void anEditMadeOfflineOfADocumentUnsharedMeanwhileIsReportedWhenTheServerRefusesItInTheCatchUp() throws Exception {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        String[] bobKey = h.server.createCredential("bob");
        DocClient bob = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("plan", JSON.createObjectNode().put("step", 1));
        ann.share(id, "bob@example.com");
        await("bob has it", () -> bob.get(id).isPresent());
        bob.close();

        // bob edits on a client that cannot reach the server, then ann takes the document back from him.
        DocClient offline = DocClient.start(new DocClient.Options(java.net.URI.create("ws://127.0.0.1:1/scribe"),
                "bob@example.com", bobKey[0], bobKey[1], dir.resolve("bob"),
                new io.scribe.transport.netty.Backoff(Duration.ofMillis(50), Duration.ofMillis(300), 0.5, 3)));
        offline.update(id, null, c -> c.put("step", 99));
        offline.close();
        ann.unshare(id, "bob@example.com");
        await("the server no longer shares it with bob", () -> !h.server.scriber().find(Document.class, id).get()
                .sharedWith().contains("bob@example.com"));

        DocClient back = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        await("bob is told the server refused his offline edit", () -> back.refusals() > 0);
        assertThat(back.lastRefusal()).hasValueSatisfying(m -> assertThat(m).contains("sent from its log"));
        assertThat(h.server.scriber().find(Document.class, id).get().content().path("step").asInt()).isEqualTo(1);
    }

    @Test
    void anEditMadeOfflineBeforeTheDocumentWasSharedIsKeptWhenItArrivesAfterTheShareNotAConflict() throws Exception {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        DocClient laptop = h.client("laptop", "ann@example.com");
        String[] bobKey = h.server.createCredential("bob");
        DocClient bob = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("plan", JSON.createObjectNode().put("step", 1).put("owner note", "a"));
        await("the laptop has it", () -> laptop.get(id).isPresent());
        laptop.close();

        // The laptop edits offline; later, and before the laptop is back, ann shares the document from another
        // client: the server sends it again with new stamps, newer than the laptop's edit.
        DocClient offline = DocClient.start(new DocClient.Options(java.net.URI.create("ws://127.0.0.1:1/scribe"),
                "ann@example.com", h.credential[0], h.credential[1], dir.resolve("laptop"),
                new io.scribe.transport.netty.Backoff(Duration.ofMillis(50), Duration.ofMillis(300), 0.5, 3)));
        offline.update(id, "plan, edited offline", c -> c.put("step", 2));
        offline.close();
        Thread.sleep(5);
        ann.share(id, "bob@example.com");
        await("the server sent the shared document again", () -> h.server.scriber().store()
                .object(Document.KLASS, id).map(st -> st.stamps().get("title").origin().equals("server"))
                .orElse(false) && bob.get(id).isPresent());

        DocClient back = h.client("laptop", "ann@example.com");
        await("the laptop's edit is everywhere", () -> java.util.stream.Stream.of(ann, back, bob).allMatch(c ->
                c.get(id).map(d -> d.content().path("step").asInt() == 2
                        && "plan, edited offline".equals(d.title())).orElse(false))
                && back.pendingCount() == 0);
        var held = h.server.scriber().find(Document.class, id).orElseThrow();
        assertThat(held.content().path("step").asInt()).isEqualTo(2);
        assertThat(held.title()).isEqualTo("plan, edited offline");
        assertThat(back.status(id)).isEqualTo(io.scribe.docsync.client.DocStatus.SYNCED);
        assertThat(h.rows("SELECT count(*) FROM docsync_events WHERE kind = 'conflict'")).isZero();
    }
}
