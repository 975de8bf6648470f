package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static io.scribe.transport.netty.Peers.peer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.scribe.core.Policy;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The HTTP sync API: pull pages, idempotent pushes, JWT, and peers on HTTP and on sockets converging. */
class HttpSyncTest extends ClosingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef-test-secret".getBytes();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> post(ScribeServer server, String path, JsonNode body, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(server.httpUri() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return MAPPER.readTree(response.body());
    }

    @Test
    void pagesWalkEveryScribeTheClientMaySeeExactlyOnce() throws Exception {
        // Notes whose title starts with "private" are sent to no one.
        Scriber hub = track(Scriber.builder().clientId("hub").store(Store.inMemory())
                .register(Note.class, Policy.<Note>defaults()
                        .withRecipients((note, client) -> !note.title.startsWith("private")))
                .onError(e -> { })
                .build());
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults().maxEntries(40)).start());
        Set<String> visible = new HashSet<>();
        for (int i = 0; i < 230; i++) {
            String title = (i % 7 == 0 ? "private " : "note ") + i;
            hub.create(new Note("n" + i, title, i));
            if (i % 7 != 0) {
                visible.add("n" + i);
            }
        }

        List<String> seen = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        ObjectNode request = MAPPER.createObjectNode().put("client", "cron").put("max_entries", 1000);
        int pages = 0;
        String token;
        while (true) {
            JsonNode page = json(post(server, "/sync/pull", request, null));
            pages++;
            for (JsonNode s : page.get("scribes")) {
                seen.add(s.path("data").path("id").asText());
                ids.add(s.path("id").asText());
            }
            token = page.get("next_token").asText();
            assertThat(page.get("scribes").size()).isLessThanOrEqualTo(40);
            if (!page.get("has_more").asBoolean()) {
                break;
            }
            request = MAPPER.createObjectNode().put("client", "cron").put("token", token);
        }
        assertThat(pages).isGreaterThanOrEqualTo(230 / 40);
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(visible);
        assertThat(ids).doesNotHaveDuplicates();

        // The last token continues where the walk stopped: only what is new.
        hub.create(new Note("late", "note late", 1));
        hub.create(new Note("late-private", "private late", 1));
        JsonNode after = json(post(server, "/sync/pull",
                MAPPER.createObjectNode().put("client", "cron").put("token", token), null));
        assertThat(after.get("scribes")).hasSize(1);
        assertThat(after.get("scribes").get(0).path("data").path("id").asText()).isEqualTo("late");
        assertThat(after.get("has_more").asBoolean()).isFalse();

        // A token is bound to its client; a cursor past the log's end is a conflict.
        HttpResponse<String> stolen = post(server, "/sync/pull",
                MAPPER.createObjectNode().put("client", "other").put("token", token), null);
        assertThat(stolen.statusCode()).isEqualTo(400);
        assertThat(json(stolen).path("error").path("message").asText()).contains("another client");
        HttpResponse<String> future = post(server, "/sync/pull",
                MAPPER.createObjectNode().put("client", "cron").put("since", "999999"), null);
        assertThat(future.statusCode()).isEqualTo(409);
    }

    @Test
    void aReplayedMessageIdGetsTheSameAnswerAndAppliesNothingTwice() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        Scriber laptop = track(peer("laptop"));
        Note n = laptop.create(new Note("n1", "first", 1));
        n.rank = 2;
        laptop.save(n);
        ArrayNode scribes = scribesOf(laptop);
        assertThat(scribes).hasSize(2);

        ObjectNode push = MAPPER.createObjectNode().put("client", "laptop").put("message_id", "batch-1");
        push.set("scribes", scribes);
        HttpResponse<String> first = post(server, "/sync/push", push, null);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(json(first).path("accepted").asInt()).isEqualTo(2);
        long logAfterFirst = hub.lastScribeId();
        assertThat(Peers.state(hub)).containsExactly("n1 title=first rank=2 tags=[]");

        // The hub changes the note meanwhile; replaying the batch must not bring "rank 2" back over it.
        Note onHub = hub.find(Note.class, "n1").orElseThrow();
        onHub.rank = 3;
        hub.save(onHub);
        HttpResponse<String> replay = post(server, "/sync/push", push, null);
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.body()).isEqualTo(first.body());
        assertThat(replay.headers().firstValue("Scribe-Replayed")).contains("true");
        assertThat(hub.lastScribeId()).isEqualTo(logAfterFirst + 1);
        assertThat(Peers.state(hub)).containsExactly("n1 title=first rank=3 tags=[]");

        // The same id with another batch is refused.
        ObjectNode other = push.deepCopy();
        other.set("scribes", MAPPER.createArrayNode().add(scribes.get(0)));
        assertThat(post(server, "/sync/push", other, null).statusCode()).isEqualTo(409);
    }

    @Test
    void aPushMayCarryOnlyTheClientsOwnScribes() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        Scriber laptop = track(peer("laptop"));
        laptop.create(new Note("n1", "from laptop", 1));
        ObjectNode push = MAPPER.createObjectNode().put("client", "mallory").put("message_id", "m1");
        push.set("scribes", scribesOf(laptop));
        JsonNode answer = json(post(server, "/sync/push", push, null));
        assertThat(answer.path("accepted").asInt()).isZero();
        assertThat(answer.path("results").get(0).path("ok").asBoolean()).isFalse();
        assertThat(answer.path("results").get(0).path("code").asInt()).isEqualTo(403);
        assertThat(answer.path("results").get(0).path("message").asText()).contains("origin laptop");
        assertThat(Peers.state(hub)).isEmpty();
    }

    @Test
    void healthSaysStatusVersionUptimeAndSessions() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.httpUri() + "/sync/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode health = json(r);
        assertThat(health.path("status").asText()).isEqualTo("ok");
        assertThat(health.path("version").asText()).isNotBlank().isNotEqualTo("unknown");
        assertThat(health.path("uptime_ms").isIntegralNumber()).isTrue();
        assertThat(health.path("sessions").isIntegralNumber()).isTrue();
        assertThat(health.path("protocol").asInt()).isPositive();
    }

    // ---- JWT

    private static String hs256(JWTClaimsSet claims, byte[] secret) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    private static JWTClaimsSet.Builder claims(String client, String scope) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer("https://auth.test").audience("scribe").subject("user-" + client)
                .claim("client_id", client).claim("scope", scope)
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(300)));
    }

    private Scriber jwtHub(JwtAuthenticator jwt) {
        return track(Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class)
                .authenticate("jwt", jwt).onError(e -> { }).build());
    }

    @Test
    void tokensThatAreNotValidForTheRequestAreRefusedWithTheReason() throws Exception {
        Scriber hub = jwtHub(JwtAuthenticator.hs256(SECRET).issuer("https://auth.test").audience("scribe")
                .clockSkew(Duration.ofSeconds(5)));
        hub.create(new Note("n1", "hello", 1));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        ObjectNode pull = MAPPER.createObjectNode().put("client", "app");
        Instant now = Instant.now();

        HttpResponse<String> ok = post(server, "/sync/pull", pull, hs256(claims("app", "scribe:read").build(), SECRET));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).get("scribes")).hasSize(1);

        assertRefused(post(server, "/sync/pull", pull, null), 401, "authentication required");
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("app", "scribe:read")
                .expirationTime(Date.from(now.minusSeconds(60))).build(), SECRET)), 401, "Expired JWT");
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("app", "scribe:read")
                .notBeforeTime(Date.from(now.plusSeconds(120))).build(), SECRET)), 401, "before use time");
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("app", "scribe:read").build(),
                "another-secret-another-secret-another-secret".getBytes())), 401, "Invalid signature");
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("app", "scribe:read")
                .audience("billing").build(), SECRET)), 401, "aud claim rejected");
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("app", "scribe:read")
                .issuer("https://evil.test").build(), SECRET)), 401, "iss");
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("someone-else", "scribe:read").build(), SECRET)),
                403, "client_id is someone-else");
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("app", "scribe:write").build(), SECRET)),
                403, "lacks the scope scribe:read");
        ObjectNode push = MAPPER.createObjectNode().put("client", "app").put("message_id", "p1");
        push.putArray("scribes");
        assertRefused(post(server, "/sync/push", push, hs256(claims("app", "scribe:read").build(), SECRET)),
                403, "lacks the scope scribe:write");
        assertThat(post(server, "/sync/push", push, hs256(claims("app", "scribe:read scribe:write").build(), SECRET))
                .statusCode()).isEqualTo(200);
        assertRefused(post(server, "/sync/pull", pull, "not.a.jwt"), 401, "token refused");
    }

    @Test
    void rs256TokensAreCheckedWithThePublicKey() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        KeyPair other = generator.generateKeyPair();
        Scriber hub = jwtHub(JwtAuthenticator.rs256((RSAPublicKey) keys.getPublic()).audience("scribe"));
        hub.create(new Note("n1", "hello", 1));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        ObjectNode pull = MAPPER.createObjectNode().put("client", "app");
        SignedJWT good = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims("app", "scribe:read").build());
        good.sign(new RSASSASigner(keys.getPrivate()));
        assertThat(post(server, "/sync/pull", pull, good.serialize()).statusCode()).isEqualTo(200);
        SignedJWT forged = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims("app", "scribe:read").build());
        forged.sign(new RSASSASigner(other.getPrivate()));
        assertRefused(post(server, "/sync/pull", pull, forged.serialize()), 401, "Invalid signature");
        // An HS256 token made with the public key as its secret (the classic confusion) is refused too.
        assertRefused(post(server, "/sync/pull", pull, hs256(claims("app", "scribe:read").build(),
                keys.getPublic().getEncoded())), 401, "token refused");
    }

    private static void assertRefused(HttpResponse<String> r, int status, String reason) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(json(r).path("error").path("message").asText()).containsIgnoringCase(reason);
    }

    /** Every scribe in {@code peer}'s log, as the wire carries them. */
    static ArrayNode scribesOf(Scriber peer) {
        ArrayNode array = MAPPER.createArrayNode();
        for (Scribe s : peer.store().readAfter(0, 10_000)) {
            array.add(Json.toJson(s));
        }
        return array;
    }

    @Test
    void anHttpClientBackWithANewStoreUnderItsNameGetsItsEarlierWritesAndUploadsItsNewOnes() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults().maxEntries(25)).start());
        Scriber first = peer("app");
        for (int i = 0; i < 60; i++) {
            first.create(new Note("old-" + i, "first store", i));
        }
        ScribeClient link = httpClient(first, server.httpUri());
        link.awaitSession(WAIT);
        awaitConverged(60, hub, first);
        link.close();
        first.close();

        // Its store lost, "app" starts again on a new one and writes two notes (positions 1 and 2 of its new log,
        // below where the server had read its old one) before it connects.
        Scriber again = track(peer("app"));
        again.create(new Note("new-1", "second store", 1));
        again.create(new Note("new-2", "second store", 2));
        track(httpClient(again, server.httpUri())).awaitSession(WAIT);
        awaitConverged(62, hub, again);
        assertThat(hub.find(Note.class, "new-2")).isPresent();
        assertThat(again.find(Note.class, "old-59")).as("an earlier write, from a later page").isPresent();
    }

    /**
     * A server that answers a peer reading its log from the start with a snapshot (here {@code newPeerSnapshot}; a
     * compacted log does the same): an HTTP client joining reads it over several pulls, and, at its end, forgets what
     * it held that the server no longer has, as a socket client does.
     */
    @Test
    void anHttpClientReadsASnapshotOverSeveralPullsAndForgetsWhatTheServerNoLongerHas() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class)
                .newPeerSnapshot(1).onError(e -> { }).build();
        ScribeServer server = ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults().maxEntries(25)).start();
        for (int i = 0; i < 60; i++) {
            hub.create(new Note("n" + i, "the hub's", i));
        }
        Scriber app = track(peer("app"));
        ScribeClient link = httpClient(app, server.httpUri());
        link.awaitSession(WAIT);
        awaitConverged(60, hub, app);
        link.close();

        // While the client is away the hub loses its store: on the new one, 40 of the notes and a new one. The
        // client, reading the new log from its start, is answered a snapshot of it.
        server.close();
        hub.close();
        Scriber again = track(Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class)
                .newPeerSnapshot(1).onError(e -> { }).build());
        for (int i = 0; i < 40; i++) {
            again.create(new Note("n" + i, "the hub's", i));
        }
        again.create(new Note("fresh", "after the loss", 1));
        ScribeServer second = track(ScribeServer.builder(again).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults().maxEntries(25)).start());
        track(httpClient(app, second.httpUri())).awaitSession(WAIT);
        awaitConverged(41, again, app);
        assertThat(app.find(Note.class, "fresh")).isPresent();
        assertThat(app.find(Note.class, "n59")).as("held only by the lost store").isEmpty();

        // A snapshot cursor the server cannot read (or of another log) is no position, as over a socket: the
        // snapshot starts again.
        ObjectNode unreadable = MAPPER.createObjectNode().put("client", "other").put("since", "snapshot:x");
        HttpResponse<String> answer = post(second, "/sync/pull", unreadable, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(json(answer).path("snapshot").path("start").asBoolean()).isTrue();
        assertThat(json(answer).path("scribes")).hasSize(25);
    }

    @Test
    void anHttpClientOfAServerRestartedOnANewStoreReadsItsNewLogAndUploadsItsOwnWritesAgain() throws Exception {
        Scriber hub = peer("hub");
        ScribeServer server = ScribeServer.builder(hub).webSocket(0, "/scribe").httpSync(HttpSync.defaults()).start();
        int port = server.httpUri().getPort();
        java.net.URI uri = server.httpUri();
        for (int i = 0; i < 5; i++) {
            hub.create(new Note("first-" + i, "first server", i));
        }
        Scriber onHttp = track(peer("app"));
        onHttp.create(new Note("mine", "the client's", 1));
        track(httpClient(onHttp, uri)).awaitSession(WAIT);
        awaitConverged(6, hub, onHttp);
        server.close();
        hub.close();

        // Started again on an empty store, on the same port: its log (2 notes) ends before the client's cursor.
        Scriber again = track(peer("hub"));
        again.create(new Note("second-1", "second server", 1));
        again.create(new Note("second-2", "second server", 2));
        track(ScribeServer.builder(again).webSocket(port, "/scribe").httpSync(HttpSync.defaults()).start());
        long deadline = System.nanoTime() + WAIT.toNanos();
        while ((onHttp.find(Note.class, "second-2").isEmpty() || again.find(Note.class, "mine").isEmpty())
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(onHttp.find(Note.class, "second-1")).as("the new server's notes").isPresent();
        assertThat(onHttp.find(Note.class, "second-2")).isPresent();
        assertThat(again.find(Note.class, "mine")).as("the client's own note, uploaded again").isPresent();
        // Answered a snapshot, as over a socket: what only the lost store held is forgotten.
        awaitConverged(3, again, onHttp);
        assertThat(onHttp.find(Note.class, "first-4")).isEmpty();
    }

    @Test
    void anHttpClientOfAServerWhoseNewLogGrewPastItsCursorReadsItWhole() throws Exception {
        assertReadsTheNewLog(false);
    }

    @Test
    void anHttpClientOfAServerRestoredFromAnEarlierCopyReadsWhatWasWrittenAfterTheRestore() throws Exception {
        assertReadsTheNewLog(true);
    }

    /**
     * A server on the same port again, on a new store ({@code restored} false) or on a copy of its store taken after its
     * first note ({@code restored} true), writes more notes than the client's cursor before the client is back: the
     * client reads them all and the server gets the client's own note.
     */
    private void assertReadsTheNewLog(boolean restored) throws Exception {
        Recording store = new Recording(Store.inMemory());
        Scriber hub = peer("hub", store);
        ScribeServer server = ScribeServer.builder(hub).webSocket(0, "/scribe").httpSync(HttpSync.defaults()).start();
        int port = server.httpUri().getPort();
        hub.create(new Note("first-0", "before the copy", 0));
        int copy = store.commits.size();
        for (int i = 1; i < 5; i++) {
            hub.create(new Note("first-" + i, "first server", i));
        }
        Scriber onHttp = track(peer("app"));
        onHttp.create(new Note("mine", "the client's", 1));
        ScribeClient link = httpClient(onHttp, server.httpUri());
        link.awaitSession(WAIT);
        awaitConverged(6, hub, onHttp);
        long cursor = Long.parseLong(onHttp.store().cursor("hub").orElseThrow());
        link.close();
        server.close();
        hub.close();

        Scriber again = track(peer("hub", restored ? store.copy(copy) : Store.inMemory()));
        for (int i = 0; i < 10; i++) {
            again.create(new Note("second-" + i, "second server", i));
        }
        assertThat(again.lastScribeId()).as("past the client's cursor").isGreaterThan(cursor);
        track(ScribeServer.builder(again).webSocket(port, "/scribe").httpSync(HttpSync.defaults()).start());
        track(httpClient(onHttp, server.httpUri()));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while ((onHttp.find(Note.class, "second-0").isEmpty() || again.find(Note.class, "mine").isEmpty())
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        for (int i = 0; i < 10; i++) {
            assertThat(onHttp.find(Note.class, "second-" + i)).as("the new log's second-" + i).isPresent();
        }
        assertThat(again.find(Note.class, "mine")).as("the client's own note, uploaded again").isPresent();
        // Answered a snapshot, as over a socket: what only the lost store held is forgotten.
        awaitConverged(restored ? 12 : 11, again, onHttp);
        assertThat(onHttp.find(Note.class, "first-4")).isEmpty();
    }

    @Test
    void aPullWithAMalformedLogOrAtIsRefusedWith400() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        hub.create(new Note("n1", "kept", 1));
        ObjectNode badLog = MAPPER.createObjectNode().put("client", "c").put("since", "1");
        badLog.putArray("log");
        assertThat(post(server, "/sync/pull", badLog, null).statusCode()).isEqualTo(400);
        ObjectNode badAt = MAPPER.createObjectNode().put("client", "c").put("since", "1")
                .put("log", hub.logIdentity()).put("at", "soon");
        HttpResponse<String> refused = post(server, "/sync/pull", badAt, null);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("at must be");
        ObjectNode otherLog = MAPPER.createObjectNode().put("client", "c").put("since", "1").put("log", "another");
        assertThat(post(server, "/sync/pull", otherLog, null).statusCode()).isEqualTo(409);
        JsonNode fine = json(post(server, "/sync/pull", MAPPER.createObjectNode().put("client", "c"), null));
        assertThat(fine.path("log").asText()).isEqualTo(hub.logIdentity());
        assertThat(fine.path("at").path("origin").asText()).isEqualTo("hub");
        assertThat(hub.find(Note.class, "n1")).isPresent();
    }

    /** A store that keeps its commits, to make a copy of it as it was after the first N. */
    private static final class Recording extends io.scribe.core.spi.ForwardingStore {
        final List<io.scribe.core.spi.Commit> commits = new java.util.concurrent.CopyOnWriteArrayList<>();

        Recording(Store delegate) {
            super(delegate);
        }

        @Override
        public List<Scribe> commit(io.scribe.core.spi.Commit commit) {
            commits.add(commit);
            return super.commit(commit);
        }

        Store copy(int first) {
            Store copy = Store.inMemory();
            commits.subList(0, first).forEach(copy::commit);
            return copy;
        }
    }

    @Test
    void aPullWhoseOwnOrSnapshotIsNotABooleanIsRefusedWith400() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        hub.create(new Note("n1", "kept", 1));
        for (String flag : List.of("own", "snapshot")) {
            ObjectNode pull = MAPPER.createObjectNode().put("client", "c").put(flag, "yes");
            HttpResponse<String> answer = post(server, "/sync/pull", pull, null);
            assertThat(answer.statusCode()).isEqualTo(400);
            assertThat(answer.body()).contains(flag + " must be true or false");
        }
        JsonNode log = json(post(server, "/sync/pull", MAPPER.createObjectNode().put("client", "c"), null));
        assertThat(log.has("snapshot")).as("the log, from its start").isFalse();
        JsonNode snapshot = json(post(server, "/sync/pull",
                MAPPER.createObjectNode().put("client", "c").put("snapshot", true), null));
        assertThat(snapshot.path("snapshot").path("start").asBoolean()).as("a snapshot, asked for").isTrue();
        assertThat(snapshot.path("scribes")).hasSize(1);
        assertThat(hub.find(Note.class, "n1")).isPresent();
    }

    @Test
    void anHttpPeerAndSocketPeersConvergeOnTheSameObjects() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).webSocket(0, "/scribe")
                .heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5))
                .httpSync(HttpSync.defaults()).start());
        Scriber onTcp = track(peer("tcp-peer"));
        Scriber onWs = track(peer("ws-peer"));
        Scriber onHttp = track(peer("http-peer"));
        track(ScribeClient.tcp(onTcp, "127.0.0.1", server.tcpAddress().getPort()).reconnect(FAST).start())
                .awaitSession(WAIT);
        track(ScribeClient.webSocket(onWs, server.webSocketUri()).reconnect(FAST).start()).awaitSession(WAIT);
        track(ScribeClient.http(onHttp, server.httpUri()).reconnect(FAST)
                .poll(Duration.ofMillis(50), Duration.ofMillis(400)).start()).awaitSession(WAIT);

        onTcp.create(new Note("a", "from tcp", 1));
        onWs.create(new Note("b", "from ws", 2));
        Note c = onHttp.create(new Note("c", "from http", 3));
        awaitConverged(3, hub, onTcp, onWs, onHttp);

        c.title = "edited over http";
        onHttp.save(c);
        Note a = onWs.find(Note.class, "a").orElseThrow();
        a.tags.add("seen by ws");
        onWs.save(a);
        Note b = onHttp.find(Note.class, "b").orElseThrow();
        onHttp.destroy(b);
        awaitConverged(2, hub, onTcp, onWs, onHttp);
        assertThat(Peers.state(onTcp)).containsExactly("a title=from tcp rank=1 tags=[seen by ws]",
                "c title=edited over http rank=3 tags=[]");
    }

    @Test
    void oneClientOnASocketAndOverHttpAtOnceEndsWithEveryChangeOnce() throws Exception {
        // The HTTP API does not refuse a client whose socket session is open (PROTOCOL.md): "laptop" has a WebSocket
        // session and, at the same time, pushes its log and pulls the hub's over HTTP, interleaved with edits on
        // both paths and on another peer.
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5))
                .httpSync(HttpSync.defaults().maxEntries(3)).start());
        Scriber laptop = track(peer("laptop"));
        Scriber other = track(peer("other"));
        ScribeClient socket = ScribeClient.webSocket(laptop, server.webSocketUri()).reconnect(FAST).start();
        socket.awaitSession(WAIT);
        track(ScribeClient.webSocket(other, server.webSocketUri()).reconnect(FAST).start()).awaitSession(WAIT);

        List<String> pulled = new ArrayList<>();
        String[] token = {null};
        long[] pushedThrough = {0};
        int[] batches = {0};
        // HTTP under "laptop": push its own scribes after the last pushed (those the socket also pushes, racing it;
        // the same change by two paths), then pull the hub's pages after the last token.
        Runnable overHttp = () -> {
            try {
                ArrayNode mine = MAPPER.createArrayNode();
                for (Scribe sc : laptop.store().readAfter(pushedThrough[0], 10_000)) {
                    pushedThrough[0] = Long.parseLong(sc.id());
                    if (sc.origin().equals("laptop")) {
                        mine.add(Json.toJson(sc));
                    }
                }
                if (!mine.isEmpty()) {
                    ObjectNode push = MAPPER.createObjectNode().put("client", "laptop")
                            .put("message_id", "batch-" + (++batches[0]));
                    push.set("scribes", mine);
                    HttpResponse<String> answer = post(server, "/sync/push", push, null);
                    assertThat(answer.statusCode()).isEqualTo(200);
                    assertThat(json(answer).path("results")).allSatisfy(r -> assertThat(r.path("ok").asBoolean())
                            .as(r.toString()).isTrue());
                }
                while (true) {
                    ObjectNode pull = MAPPER.createObjectNode().put("client", "laptop");
                    if (token[0] != null) {
                        pull.put("token", token[0]);
                    }
                    HttpResponse<String> answer = post(server, "/sync/pull", pull, null);
                    assertThat(answer.statusCode()).isEqualTo(200);
                    JsonNode page = json(answer);
                    for (JsonNode sc : page.get("scribes")) {
                        assertThat(sc.path("origin").asText()).isNotEqualTo("laptop");
                        pulled.add(sc.path("id").asText());
                    }
                    token[0] = page.get("next_token").asText();
                    if (!page.get("has_more").asBoolean()) {
                        break;
                    }
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };

        for (int round = 0; round < 5; round++) {
            laptop.create(new Note("l" + round, "laptop " + round, round));
            other.create(new Note("o" + round, "other " + round, round));
            overHttp.run();
            if (round > 0) {
                Note mineEarlier = laptop.find(Note.class, "o" + (round - 1)).orElse(null);
                if (mineEarlier != null) {
                    mineEarlier.tags.add("laptop saw " + round);
                    laptop.save(mineEarlier);
                }
                Note theirs = other.find(Note.class, "l" + (round - 1)).orElse(null);
                if (theirs != null) {
                    theirs.rank += 10;
                    other.save(theirs);
                }
            }
            overHttp.run();
        }
        awaitConverged(10, hub, laptop, other);

        // A late HTTP push (a slow request, or a retry) of an older scribe than the socket already pushed sets the
        // client's cursor back; the next socket session catches up from there, and the hub records nothing twice.
        Note l1 = laptop.find(Note.class, "l1").orElseThrow();
        l1.rank = 50;
        Scribe older = laptop.save(l1).orElseThrow();
        l1.rank = 51;
        laptop.save(l1);
        Peers.await("the hub has rank 51", () -> hub.find(Note.class, "l1").map(n -> n.rank == 51).orElse(false));
        long beforeLate = hub.lastScribeId();
        ObjectNode latePush = MAPPER.createObjectNode().put("client", "laptop").put("message_id", "late");
        latePush.set("scribes", MAPPER.createArrayNode().add(Json.toJson(older)));
        JsonNode lateAnswer = json(post(server, "/sync/push", latePush, null));
        assertThat(lateAnswer.path("accepted").asInt()).isEqualTo(1);
        pushedThrough[0] = laptop.lastScribeId();
        socket.reconnect();
        socket.awaitSession(WAIT);
        awaitConverged(10, hub, laptop, other);
        overHttp.run();
        assertThat(hub.find(Note.class, "l1").orElseThrow().rank).isEqualTo(51);
        assertThat(hub.lastScribeId()).as("neither the late push nor the catch-up recorded anything")
                .isEqualTo(beforeLate);

        // Edits made while the socket is down reach the hub over HTTP only; the next socket session does not
        // replay them, and brings the laptop what it missed.
        socket.close();
        Note l0 = laptop.find(Note.class, "l0").orElseThrow();
        l0.title = "offline, pushed over http";
        laptop.save(l0);
        laptop.create(new Note("h1", "created offline", 7));
        other.create(new Note("o-late", "while the laptop's socket was down", 8));
        overHttp.run();
        // The other peer's create travels on its own connection: counted before the hub's log is read.
        Peers.await("the hub has the other's create", () -> hub.find(Note.class, "o-late").isPresent());
        long hubLog = hub.lastScribeId();
        track(ScribeClient.webSocket(laptop, server.webSocketUri()).reconnect(FAST).start()).awaitSession(WAIT);
        awaitConverged(12, hub, laptop, other);
        Note late = laptop.find(Note.class, "o-late").orElseThrow();
        late.rank = 99;
        laptop.save(late);
        awaitConverged(12, hub, laptop, other);
        Peers.await("other sees the laptop's last edit",
                () -> other.find(Note.class, "o-late").map(n -> n.rank == 99).orElse(false));
        overHttp.run();
        assertThat(hub.lastScribeId()).as("nothing replayed by the new socket session").isEqualTo(hubLog + 1);

        // The hub holds each change once: every scribe of the laptop's log and of the other's, no more.
        List<Scribe> hubScribes = hub.store().readAfter(0, 100_000);
        assertThat(hubScribes.stream().map(sc -> sc.origin() + "@" + sc.clock()).toList()).doesNotHaveDuplicates();
        assertThat(hubScribes.stream().filter(sc -> sc.origin().equals("laptop")).map(Scribe::clock).toList())
                .containsExactlyInAnyOrderElementsOf(clocksOf(laptop, "laptop"));
        assertThat(hubScribes.stream().filter(sc -> sc.origin().equals("other")).map(Scribe::clock).toList())
                .containsExactlyInAnyOrderElementsOf(clocksOf(other, "other"));
        // The HTTP pull cursor walked every scribe of the hub that is not the laptop's, each once.
        assertThat(pulled).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(hubScribes.stream()
                .filter(sc -> !sc.origin().equals("laptop")).map(Scribe::id).toList());
        assertThat(Peers.state(hub)).contains("l0 title=offline, pushed over http rank=10 tags=[]",
                "l1 title=laptop 1 rank=51 tags=[]",
                "o-late title=while the laptop's socket was down rank=99 tags=[]", "h1 title=created offline rank=7 tags=[]");
    }

    private static List<Long> clocksOf(Scriber peer, String origin) {
        return peer.store().readAfter(0, 100_000).stream().filter(sc -> sc.origin().equals(origin))
                .map(Scribe::clock).toList();
    }

    @Test
    void anHttpClientWithABearerTokenUploadsWhatItChangedOfflineAndReceivesTheOthers() throws Exception {
        Scriber hub = jwtHub(JwtAuthenticator.hs256(SECRET).issuer("https://auth.test").audience("scribe"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start());
        hub.create(new Note("from-hub", "hub", 1));
        Scriber onHttp = track(peer("app"));
        for (int i = 0; i < 30; i++) {
            onHttp.create(new Note("offline-" + i, "made offline", i));
        }
        String token = hs256(claims("app", "scribe:read scribe:write").build(), SECRET);
        ScribeClient client = track(ScribeClient.http(onHttp, server.httpUri()).bearerToken(() -> token)
                .reconnect(FAST).poll(Duration.ofMillis(50), Duration.ofMillis(200)).start());
        client.awaitSession(WAIT);
        awaitConverged(31, hub, onHttp);
        // Later changes on either side travel too.
        hub.create(new Note("later", "hub again", 2));
        Note mine = onHttp.find(Note.class, "offline-3").orElseThrow();
        mine.title = "edited online";
        onHttp.save(mine);
        awaitConverged(32, hub, onHttp);
        assertThat(hub.find(Note.class, "offline-3").orElseThrow().title).isEqualTo("edited online");
        // The server's cursor for the client moved with its pushes: a socket session would resume from there.
        assertThat(hub.client("app").cursor()).isPresent();
    }

    @Test
    void aSocketSessionAuthenticatesWithATokenThatMayReadAndWrite() throws Exception {
        Scriber hub = jwtHub(JwtAuthenticator.hs256(SECRET).audience("scribe"));
        hub.create(new Note("n1", "hello", 1));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).start());
        Scriber full = track(peer("app"));
        String both = hs256(claims("app", "scribe:read scribe:write").build(), SECRET);
        track(ScribeClient.tcp(full, "127.0.0.1", server.tcpAddress().getPort()).reconnect(FAST)
                .onSession(s -> s.request((ObjectNode) MAPPER.createObjectNode().put("type", "jwt")
                        .put("token", both)))
                .start()).awaitSession(WAIT);
        awaitConverged(1, hub, full);

        Scriber readOnly = track(peer("reader"));
        String read = hs256(claims("reader", "scribe:read").build(), SECRET);
        java.util.concurrent.CompletableFuture<String> refusal = new java.util.concurrent.CompletableFuture<>();
        track(ScribeClient.tcp(readOnly, "127.0.0.1", server.tcpAddress().getPort()).reconnect(FAST)
                .onSession(s -> s.request((ObjectNode) MAPPER.createObjectNode().put("type", "jwt").put("token", read))
                        .whenComplete((r, e) -> refusal.complete(e == null ? "accepted" : e.getMessage())))
                .start());
        assertThat(refusal.get(20, java.util.concurrent.TimeUnit.SECONDS))
                .contains("lacks the scope scribe:write", "a socket session both reads and writes");
        assertThat(Peers.state(readOnly)).isEmpty();
    }

    @Test
    void aBodyOverTheLimitIsRefusedWith413() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults().maxBodyBytes(2048)).start());
        ObjectNode push = MAPPER.createObjectNode().put("client", "big").put("message_id", "m")
                .put("padding", "x".repeat(10_000));
        push.putArray("scribes");
        assertThat(post(server, "/sync/push", push, null).statusCode()).isEqualTo(413);
        assertThat(Peers.state(hub)).isEmpty();
    }

    @Test
    void aClientOverItsRequestRateIsAnswered429() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults().requestRate(0.01, 3)).start());
        ObjectNode pull = MAPPER.createObjectNode().put("client", "eager");
        for (int i = 0; i < 3; i++) {
            assertThat(post(server, "/sync/pull", pull, null).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> refused = post(server, "/sync/pull", pull, null);
        assertThat(refused.statusCode()).isEqualTo(429);
        assertThat(refused.headers().firstValue("Retry-After")).contains("1");
        // Another client has its own budget.
        assertThat(post(server, "/sync/pull", MAPPER.createObjectNode().put("client", "calm"), null).statusCode())
                .isEqualTo(200);
    }

    @Test
    void anHttpClientWaitsOutItsRequestRateAndStillCatchesUp() {
        Scriber hub = track(peer("hub"));
        for (int i = 0; i < 120; i++) {
            hub.create(new Note("n" + i, "note " + i, i));
        }
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults().maxEntries(25).requestRate(4, 2)).start());
        Scriber onHttp = track(peer("slow"));
        track(httpClient(onHttp, server.httpUri()));
        awaitConverged(120, hub, onHttp);
    }

    /** An HTTP client of {@code peer} to {@code uri} that reconnects and polls quickly, started. */
    private static ScribeClient httpClient(Scriber peer, java.net.URI uri) {
        return ScribeClient.http(peer, uri).reconnect(FAST).poll(Duration.ofMillis(20), Duration.ofMillis(100)).start();
    }
}
