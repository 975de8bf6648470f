package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a Scribe server must withstand from an authenticated but hostile peer. Any deployment can run it against its
 * own server: extend it, connect {@link RawPeer}s to the server ({@link RawPeer#tcp}, {@link RawPeer#webSocket},
 * {@link RawPeer#inProcess}; authenticate them there when the server requires it) and describe one synced class:
 *
 * <pre>{@code
 * class MyServerHostilePeerTest extends HostilePeerSuite {
 *     protected RawPeer connect(String clientId) throws Exception {
 *         return RawPeer.tcp("127.0.0.1", 7000, clientId);
 *     }
 *     protected Sample sample() {
 *         return new Sample("Note", id -> RawPeer.object().put("id", id).put("title", "t").put("rank", 1)
 *                 .set("tags", RawPeer.object().arrayNode()), "title", "tags");
 *     }
 * }
 * }</pre>
 *
 * <p>Each test attacks with fresh client ids and object ids, then checks the three things that must hold: the
 * attack was refused (an {@code error} with the expected code, or the connection closed for broken frames), the
 * server keeps serving (a new peer's {@code noop} is answered), and nothing stored was lost or changed (the
 * server's log, read by a catch-up from its start, holds every scribe it held before, unchanged, and no value of
 * the attack).
 *
 * <p>The server must not trust these peers as relays, must allow a clock skew below ten years, and must let a new
 * peer read the sample class's scribes.
 */
public abstract class HostilePeerSuite {

    /**
     * One synced class of the server under test.
     *
     * @param klass its wire name
     * @param object a valid {@code create} data for a new object with the given identity (every synced field)
     * @param textField a String field
     * @param collectionField a List, Set or Map field that a new instance initialises
     */
    public record Sample(String klass, Function<String, ObjectNode> object, String textField, String collectionField) {}

    /** How long an answer may take; generous, the machine may be busy. */
    protected static final Duration ANSWER = Duration.ofSeconds(20);

    /** Opens a connection to the server as {@code clientId}, authenticated if the server requires it. */
    protected abstract RawPeer connect(String clientId) throws Exception;

    /** The class the attacks use. */
    protected abstract Sample sample();

    /** The server's maximum frame size (for the oversized frames); default the u32 wire's default. */
    protected int maxFrameBytes() {
        return io.scribe.core.Wire.DEFAULT_MAX_FRAME_BYTES;
    }

    private final List<RawPeer> peers = new ArrayList<>();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String marker = "HOSTILE-" + run;
    private Map<String, String> logBefore;

    private RawPeer peer(String role) throws Exception {
        RawPeer p = connect(role + "-" + run + "-" + peers.size());
        peers.add(p);
        return p;
    }

    private String objectId(String name) {
        return name + "-" + run;
    }

    @BeforeEach
    void readTheLogBefore() throws Exception {
        logBefore = log();
    }

    @AfterEach
    void closePeers() {
        for (RawPeer p : peers) {
            p.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Helpers

    /** The server's log as a fresh peer reads it: scribe id to its JSON, paged until the end. */
    private Map<String, String> log() throws Exception {
        RawPeer observer = peer("observer");
        Map<String, String> log = new LinkedHashMap<>();
        JsonNode from = null;
        for (int page = 0; page < 100_000; page++) {
            ObjectNode sync = RawPeer.object().put("type", "sync").put("limit", 500);
            sync.set("from", from);
            JsonNode answer = observer.request(sync, ANSWER);
            assertThat(answer).as("catch-up page %s", page).isNotNull();
            if (answer.path("type").asText().equals("error") && answer.path("code").asInt() == 429) {
                Thread.sleep(1000);
                continue;
            }
            assertThat(answer.path("type").asText()).as("catch-up answer %s", answer).isEqualTo("response");
            for (JsonNode s : answer.path("result")) {
                log.put(s.path("id").asText(), s.toString());
            }
            if (!answer.path("more").asBoolean(false)) {
                break;
            }
            JsonNode cursor = answer.get("cursor");
            assertThat(cursor).as("a page with more names its cursor").isNotNull();
            from = cursor;
        }
        observer.close();
        return log;
    }

    /** A new peer's keep-alive is answered, and what the server held is still there, with none of the attack. */
    private void assertServingAndUnharmed() throws Exception {
        RawPeer witness = peer("witness");
        JsonNode answer = witness.request(RawPeer.object().put("type", "noop"), ANSWER);
        assertThat(answer).as("noop answered after the attack").isNotNull();
        assertThat(answer.path("type").asText()).isEqualTo("response");
        Map<String, String> after = log();
        assertThat(after).as("nothing stored was lost or changed").containsAllEntriesOf(logBefore);
        assertThat(after.values()).as("nothing of the attack was stored").noneMatch(s -> s.contains(marker));
    }

    private ObjectNode create(String origin, ObjectNode data, long clock) {
        ObjectNode scribe = RawPeer.object().put("id", "1").put("klass", sample().klass()).put("type", "create");
        scribe.set("data", data);
        if (origin != null) {
            scribe.put("origin", origin);
        }
        scribe.put("clock", clock);
        ObjectNode message = RawPeer.object().put("type", "add_scribe");
        message.set("scribe", scribe);
        return message;
    }

    private static long clockAt(long millis) {
        return millis << 16;
    }

    private static void assertRefused(JsonNode answer, int... codes) {
        assertThat(answer).as("an answer").isNotNull();
        assertThat(answer.path("type").asText()).as("refused: %s", answer).isEqualTo("error");
        assertThat(codes).as("error code of %s", answer).contains(answer.path("code").asInt());
    }

    private static byte[] prefix(long length) {
        return new byte[] {(byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length};
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Attacks

    @Test
    void aScribeNamingAnotherPeerAsItsOriginIsRefused() throws Exception {
        RawPeer victim = peer("victim");
        RawPeer hostile = peer("hostile");
        ObjectNode data = sample().object().apply(objectId("spoofed"));
        data.put(sample().textField(), marker);

        JsonNode answer = hostile.request(create(victim.clientId(), data, clockAt(System.currentTimeMillis())), ANSWER);

        assertRefused(answer, 403);
        assertThat(victim.drain()).noneMatch(m -> m.toString().contains(marker));
        assertServingAndUnharmed();
    }

    @Test
    void aCreateReusingAnotherPeersObjectWithStampsAheadChangesNothing() throws Exception {
        RawPeer owner = peer("owner");
        String id = objectId("owned");
        ObjectNode mine = sample().object().apply(id);
        JsonNode created = owner.request(create(owner.clientId(), mine, clockAt(System.currentTimeMillis())), ANSWER);
        assertThat(created.path("result").asBoolean()).as("the owner's create: %s", created).isTrue();
        logBefore = log();

        RawPeer hostile = peer("hostile");
        ObjectNode theirs = sample().object().apply(id);
        theirs.put(sample().textField(), marker);
        JsonNode answer = hostile.request(
                create(hostile.clientId(), theirs, clockAt(System.currentTimeMillis() + 600_000)), ANSWER);

        assertThat(answer).as("an answer").isNotNull();
        assertThat(owner.drain()).noneMatch(m -> m.toString().contains(marker));
        assertServingAndUnharmed();
    }

    @Test
    void aScribeStampedFarAheadIsRefused() throws Exception {
        RawPeer hostile = peer("hostile");
        ObjectNode data = sample().object().apply(objectId("future"));
        data.put(sample().textField(), marker);
        long tenYears = Duration.ofDays(3650).toMillis();

        JsonNode answer = hostile.request(
                create(hostile.clientId(), data, clockAt(System.currentTimeMillis() + tenYears)), ANSWER);

        assertRefused(answer, 400);
        assertServingAndUnharmed();
    }

    @Test
    void poisonValuesAreRefusedAtTheFirstHop() throws Exception {
        RawPeer hostile = peer("hostile");
        long now = clockAt(System.currentTimeMillis());
        ObjectNode nullCollection = sample().object().apply(objectId("null-collection"));
        nullCollection.putNull(sample().collectionField());
        nullCollection.put(sample().textField(), marker);
        ObjectNode wrongType = sample().object().apply(objectId("wrong-type"));
        wrongType.putObject(sample().textField()).put("not", marker);
        ObjectNode wrongCollection = sample().object().apply(objectId("wrong-collection"));
        wrongCollection.put(sample().collectionField(), marker);

        for (ObjectNode data : List.of(nullCollection, wrongType, wrongCollection)) {
            assertRefused(hostile.request(create(hostile.clientId(), data, now), ANSWER), 400);
        }
        // Not a scribe at all, or not of a registered class.
        ObjectNode broken = RawPeer.object().put("type", "add_scribe").put("scribe", marker);
        assertRefused(hostile.request(broken, ANSWER), 400);
        ObjectNode unknown = create(hostile.clientId(), RawPeer.object().put("id", marker), now);
        ((ObjectNode) unknown.get("scribe")).put("klass", "No" + marker.replace("-", ""));
        assertRefused(hostile.request(unknown, ANSWER), 403);
        assertServingAndUnharmed();
    }

    @Test
    void aValueTheServerCannotKeepIsRefusedOrKeptButNeverStopsIt() throws Exception {
        RawPeer hostile = peer("hostile");
        ObjectNode nul = sample().object().apply(objectId("nul"));
        nul.put(sample().textField(), "a\u0000b");
        JsonNode answer = hostile.request(create(hostile.clientId(), nul, clockAt(System.currentTimeMillis())), ANSWER);
        assertThat(answer).isNotNull();
        if (answer.path("type").asText().equals("error")) {
            assertRefused(answer, 400, 413);
        }
        ObjectNode huge = sample().object().apply(objectId("huge"));
        huge.put(sample().textField(), marker + "x".repeat(Math.max(0, maxFrameBytes() - 400)));
        // Too large for a frame once wrapped for relaying, though it fits the one it came in.
        JsonNode big = hostile.request(create(hostile.clientId(), huge, clockAt(System.currentTimeMillis())), ANSWER);
        if (big != null) {
            assertRefused(big, 413);
        }
        // The server still answers a whole catch-up, and keeps serving.
        RawPeer reader = peer("reader");
        assertThat(reader.request(RawPeer.object().put("type", "noop"), ANSWER)).isNotNull();
        Map<String, String> after = log();
        assertThat(after).containsAllEntriesOf(logBefore);
        assertThat(after.values()).noneMatch(s -> s.contains(marker));
    }

    @Test
    void anOversizedFrameIsRefusedAndTheServerKeepsServing() throws Exception {
        RawPeer hostile = peer("hostile");
        if (hostile.streams()) {
            hostile.sendBytes(prefix(0x7FFF_FFF0L));
            hostile.sendBytes(("{\"type\":\"add_scribe\",\"scribe\":\"" + marker).getBytes());
        } else {
            ObjectNode data = sample().object().apply(objectId("oversized"));
            data.put(sample().textField(), marker + "y".repeat(maxFrameBytes() + 16));
            hostile.send(create(hostile.clientId(), data, clockAt(System.currentTimeMillis())));
        }
        // Refused with 413 on a session that goes on, or by closing the connection.
        JsonNode noop = hostile.request(RawPeer.object().put("type", "noop"), Duration.ofSeconds(2));
        if (noop != null) {
            assertThat(hostile.drain().toString() + noop).doesNotContain(marker);
        }
        assertServingAndUnharmed();
    }

    @Test
    void aTruncatedFrameChangesNothing() throws Exception {
        RawPeer hostile = peer("hostile");
        ObjectNode data = sample().object().apply(objectId("truncated"));
        data.put(sample().textField(), marker);
        byte[] json = create(hostile.clientId(), data, clockAt(System.currentTimeMillis())).toString().getBytes();
        if (hostile.streams()) {
            hostile.sendBytes(prefix(json.length));
            hostile.sendBytes(java.util.Arrays.copyOf(json, json.length / 2));
        } else {
            ((RawPeer) hostile).send(RawPeer.object().put("type", "add_scribe"));
        }
        hostile.close();
        assertServingAndUnharmed();
    }

    @Test
    void garbageIsAnsweredWithErrorsAndTheSessionKeepsWorking() throws Exception {
        RawPeer hostile = peer("hostile");
        List<ObjectNode> garbage = List.of(
                RawPeer.object().put("no", "type"),
                RawPeer.object().put("type", 42),
                RawPeer.object().put("type", "sync").put("from", "not a number"),
                RawPeer.object().put("type", "rpc").put("klass", sample().klass()).put("method", "getClass"),
                RawPeer.object().put("type", "unheard-of"),
                RawPeer.object().put("type", "add_scribe"));
        for (ObjectNode g : garbage) {
            JsonNode answer = hostile.request(g, ANSWER);
            assertThat(answer).as("answer to %s", g).isNotNull();
        }
        JsonNode noop = hostile.request(RawPeer.object().put("type", "noop"), ANSWER);
        assertThat(noop.path("type").asText()).isEqualTo("response");
        assertServingAndUnharmed();
    }

    @Test
    void aFloodOfRequestsIsBoundedAndOthersAreStillServed() throws Exception {
        RawPeer hostile = peer("hostile");
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ObjectNode sync = RawPeer.object().put("type", "sync");
            sync.putNull("from");
            if (i % 2 == 0) {
                sync.put("limit", Integer.MAX_VALUE);
            }
            ids.add(hostile.sendRequest(sync));
        }
        // Another peer is served meanwhile.
        RawPeer other = peer("other");
        JsonNode noop = other.request(RawPeer.object().put("type", "noop"), ANSWER);
        assertThat(noop).as("noop answered during the flood").isNotNull();
        // Every answer the flooder gets is one bounded page or a refusal.
        for (int id : ids.subList(ids.size() - 10, ids.size())) {
            JsonNode answer = hostile.await(id, ANSWER);
            if (answer == null) {
                break;
            }
            if (answer.path("type").asText().equals("response")) {
                assertThat(answer.path("result").size()).isLessThanOrEqualTo(500);
            } else {
                assertThat(answer.path("code").asInt()).isIn(413, 429);
            }
        }
        assertServingAndUnharmed();
    }

    @Test
    void aPeerNamingAConnectedPeerDoesNotCutItOff() throws Exception {
        RawPeer live = peer("live");
        RawPeer impostor = null;
        try {
            impostor = connect(live.clientId());
            peers.add(impostor);
        } catch (Exception refused) {
            // Refused at the handshake: the expected outcome without authentication.
        }
        if (impostor != null) {
            impostor.awaitClosed(Duration.ofSeconds(2));
        }
        JsonNode noop = live.request(RawPeer.object().put("type", "noop"), ANSWER);
        assertThat(noop).as("the live peer is still connected").isNotNull();
        assertThat(noop.path("type").asText()).isEqualTo("response");
        assertServingAndUnharmed();
    }

    @Test
    void aPeerNamingItselfAfterOneOfTheServersOwnRecordsIsRefused() throws Exception {
        RawPeer live = peer("live");
        for (String reserved : java.util.List.of("~acknowledged/" + live.clientId(), "~compacted")) {
            RawPeer named;
            try {
                named = connect(reserved);
            } catch (Exception refused) {
                continue; // refused at the handshake
            }
            peers.add(named);
            assertThat(named.awaitClosed(ANSWER)).as("a peer named %s is refused", reserved).isTrue();
        }
        JsonNode noop = live.request(RawPeer.object().put("type", "noop"), ANSWER);
        assertThat(noop.path("type").asText()).isEqualTo("response");
        assertServingAndUnharmed();
    }
}
