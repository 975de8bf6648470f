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
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.client.DocEvent;
import io.scribe.transport.netty.ScribeClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Authentication and bad input against a real server: each refused, the server goes on, nothing stored is lost. */
class SecurityTest extends ServerTest {

    Scriber raw;
    ScribeClient rawLink;

    @BeforeEach
    void start() {
        harness();
    }

    @AfterEach
    void closePeers() throws Exception {
        if (rawLink != null) {
            rawLink.close();
        }
        if (raw != null) {
            raw.close();
        }
    }

    /** Connects a bare Scribe peer named {@code clientId} that sends {@code auth} first; returns its answer. */
    CompletableFuture<JsonNode> connectRaw(String clientId, ObjectNode auth) {
        if (rawLink != null) {
            rawLink.close();
            raw.close();
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        raw = Scriber.builder().clientId(clientId).store(Store.inMemory())
                .register(Document.class, Policy.<Document>defaults().withKeyMerge("content")).build();
        rawLink = ScribeClient.webSocket(raw, h.server.uri()).serverId("server").onSession(s -> s.request(auth)
                .whenComplete((r, e) -> {
                    if (e != null) {
                        answer.completeExceptionally(e);
                    } else {
                        answer.complete(r);
                    }
                })).start();
        return answer;
    }

    static int code(CompletableFuture<JsonNode> f) throws Exception {
        try {
            f.get(10, TimeUnit.SECONDS);
            return 200;
        } catch (java.util.concurrent.ExecutionException e) {
            return e.getCause() instanceof ScribeException se ? se.code() : -1;
        }
    }

    long now() {
        return System.currentTimeMillis() / 1000;
    }

    @Test
    void aWrongSecretAnUnknownKeyAStaleTimestampAndAReplayedSignatureAreRefused() throws Exception {
        String key = h.credential[0];
        String secret = h.credential[1];
        assertThat(code(connectRaw("p1", DocClient.authMessage("eve@example.com", key, "rps_wrong", "p1", now()))))
                .isEqualTo(401);
        assertThat(code(connectRaw("p2", DocClient.authMessage("eve@example.com", "rpa_unknown", secret, "p2",
                now())))).isEqualTo(401);
        assertThat(code(connectRaw("p3", DocClient.authMessage("eve@example.com", key, secret, "p3",
                now() - 301)))).isEqualTo(401);
        assertThat(code(connectRaw("p4", DocClient.authMessage("eve@example.com", key, secret, "p4",
                now() + 331)))).isEqualTo(401); // 30 s of margin: the check happens a moment after signing
        ObjectNode good = DocClient.authMessage("eve@example.com", key, secret, "p5", now());
        assertThat(code(connectRaw("p5", good))).isEqualTo(200);
        assertThat(code(connectRaw("p5", good))).isEqualTo(401);
        // A restarted server still remembers the signatures it accepted: the replay stays refused.
        h.server.close();
        h.startServer();
        assertThat(code(connectRaw("p5", good))).isEqualTo(401);
        // Signed for another client GUID: refused.
        assertThat(code(connectRaw("p6", DocClient.authMessage("eve@example.com", key, secret, "p5", now()))))
                .isEqualTo(401);
        assertThat(h.rows("SELECT count(*) FROM docsync_users")).isEqualTo(1);
        // The secret is not stored in plain text.
        assertThat(h.rows("SELECT count(*) FROM docsync_credentials WHERE secret_sealed LIKE '%" + secret + "%'"))
                .isZero();

        DocClient wrong = h.client("w", "eve@example.com", key, "rps_wrong");
        List<DocEvent> events = new CopyOnWriteArrayList<>();
        wrong.onEvent(events::add);
        await("the client reports the refusal", () -> wrong.authError().isPresent());
        assertThat(wrong.authError().get()).contains("bad signature");
    }

    @Test
    void beforeAuthenticationEveryMessageGets401AndNothingIsStored() throws Exception {
        // No auth message at all: the raw peer's own catch-up request is refused.
        CompletableFuture<JsonNode> answer = connectRaw("p7", JSON.createObjectNode().put("type", "noop"));
        assertThat(code(answer)).isEqualTo(401);
        raw.create(new Document("eve@example.com", "sneaky", JSON.createObjectNode()));
        Thread.sleep(300);
        assertThat(h.rows("SELECT count(*) FROM docsync_events")).isZero();
        assertThat(h.server.scriber().all(Document.class)).isEmpty();
    }

    @Test
    void anotherUsersDocumentCannotBeEditedAndMalformedMessagesAreAnsweredWhileTheServerGoesOn() throws Exception {
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        String id = ann.create("ann's", JSON.createObjectNode().put("secret", 1));
        await("stored", () -> h.server.scriber().find(Document.class, id).isPresent());

        String[] bobKey = h.server.createCredential("bob");
        assertThat(code(connectRaw("bob-raw", DocClient.authMessage("bob@example.com", bobKey[0], bobKey[1],
                "bob-raw", now())))).isEqualTo(200);
        Session session = rawLink.awaitSession(Duration.ofSeconds(10));
        ObjectNode scribe = JSON.createObjectNode().put("id", "1").put("klass", "Document").put("type", "update")
                .put("origin", "bob-raw").put("clock", 1);
        scribe.putArray("data").add(id).addObject().putObject("content").put("secret", 2);
        ObjectNode add = JSON.createObjectNode().put("type", "add_scribe");
        add.set("scribe", scribe);
        assertThat(code(session.request(add))).isEqualTo(403);
        ObjectNode steal = scribe.deepCopy();
        ((com.fasterxml.jackson.databind.node.ArrayNode) steal.get("data")).set(1,
                JSON.createObjectNode().put("owner", "bob@example.com"));
        add.set("scribe", steal);
        assertThat(code(session.request(add))).isEqualTo(403);
        assertThat(code(session.request(JSON.createObjectNode().put("type", "add_scribe").put("scribe", "x"))))
                .isEqualTo(400);
        assertThat(code(session.request(JSON.createObjectNode().put("type", "bogus")))).isEqualTo(400);

        ann.update(id, null, c -> c.put("secret", 3));
        await("ann's own edit still goes through", () -> h.server.scriber().find(Document.class, id).get()
                .content().path("secret").asInt() == 3);
        assertThat(h.rows("SELECT count(*) FROM docsync_events WHERE doc_id = '" + id + "'")).isEqualTo(2);
    }
}
