package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Store;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Scribe hub facing Ruby Syncro peers, fed the frames a Syncro peer sends, byte for byte (u16 prefix, Syncro's key
 * order, no origin or clock), and checked on the frames it answers with.
 */
class SyncroPeerTest {

    private final List<ScribeException> problems = new ArrayList<>();

    private Scriber hub(String id) {
        return Scriber.builder().clientId(id).store(Store.inMemory()).register(Task.class).wire(Wire.syncro())
                .onError(problems::add).build();
    }

    private static byte[] frame(String json) {
        return Capture.frame(2, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String create(int requestId, String scribeId, String taskId, String title, int priority) {
        return "{\"type\":\"add_scribe\",\"scribe\":{\"data\":{\"title\":\"" + title + "\",\"done\":false,\"priority\":"
                + priority + ",\"tags\":[],\"id\":\"" + taskId + "\"},\"klass\":\"Task\",\"type\":\"create\",\"id\":\""
                + scribeId + "\"},\"id\":" + requestId + "}";
    }

    private static String update(int requestId, String scribeId, String taskId, String field, String jsonValue) {
        return "{\"type\":\"add_scribe\",\"scribe\":{\"data\":[\"" + taskId + "\",{\"" + field + "\":" + jsonValue
                + "}],\"klass\":\"Task\",\"type\":\"update\",\"id\":\"" + scribeId + "\"},\"id\":" + requestId + "}";
    }

    private static List<JsonNode> ofType(Capture c, String type) {
        List<JsonNode> result = new ArrayList<>();
        c.messages().forEach(m -> {
            if (m.path("type").asText().equals(type)) {
                result.add(m);
            }
        });
        return result;
    }

    private static JsonNode answer(Capture c, int id) {
        return ofType(c, "response").stream().filter(m -> m.path("id").asInt() == id).findFirst().orElse(null);
    }

    /** Connects a Syncro peer that has nothing: the hub's sync is answered empty, the peer asks from null. */
    private static Session connectEmpty(Scriber hub, String client, Capture wire) {
        Session s = hub.client(client).connect(wire, Wire.syncro());
        s.sync();
        s.receiveData(frame("{\"type\":\"response\",\"id\":1,\"result\":[]}"));
        s.receiveData(frame("{\"type\":\"sync\",\"from\":null,\"id\":1}"));
        return s;
    }

    @Test
    void aRecognisedSyncroPeerThatRestartsEmptyGetsItsOwnEarlierChangesBack() {
        Scriber hub = hub("hub");
        Session first = connectEmpty(hub, "ruby", new Capture(2));
        first.receiveData(frame(create(2, "a1", "t1", "mine", 1)));
        assertThat(hub.client("ruby").cursor()).contains("a1");
        first.disconnect();

        Capture wire = new Capture(2);
        Session again = hub.client("ruby").connect(wire, Wire.syncro());
        again.sync();
        assertThat(wire.messages().get(0).get("from").asText()).isEqualTo("a1");
        // The peer lost its dump: it asks for everything, and does not know "a1" any more.
        again.receiveData(frame("{\"type\":\"sync\",\"from\":null,\"id\":1}"));
        again.receiveData(frame("{\"type\":\"response\",\"id\":1,\"result\":[]}"));
        // It is answered once its log was read again from the start.
        assertThat(answer(wire, 1)).isNull();
        again.receiveData(frame("{\"type\":\"response\",\"id\":2,\"result\":[]}"));
        JsonNode page = answer(wire, 1);
        assertThat(page.get("result")).extracting(s -> s.get("type").asText() + " " + s.get("data").path("id").asText())
                .containsExactly("create t1");
        // Its old cursor was forgotten (removed from the store), and its new log is read from the start.
        assertThat(ofType(wire, "sync")).extracting(m -> m.get("from").isNull() ? "null" : m.get("from").asText())
                .containsExactly("a1", "null");
        assertThat(hub.store().cursor("ruby")).isEmpty();
    }

    @Test
    void aRecognisedPeerThatLostOnlyItsCursorGetsTheDestroyOfARecordItCreatedEarlier() {
        Scriber hub = hub("hub");
        Session first = hub.client("ruby").connect(new Capture(2), Wire.syncro());
        first.sync();
        first.receiveData(frame("{\"type\":\"response\",\"id\":1,\"result\":[]}"));
        // The hub's answer to this sync is lost in the disconnect: the peer never gets a cursor in the hub's log.
        first.receiveData(frame("{\"type\":\"sync\",\"from\":null,\"id\":1}"));
        first.receiveData(frame(create(2, "a1", "t1", "mine", 1)));
        first.disconnect();
        hub.destroy(hub.find(Task.class, "t1").orElseThrow());

        // It comes back still holding t1, changed offline, and asks from null (it has no cursor).
        Capture wire = new Capture(2);
        Session again = hub.client("ruby").connect(wire, Wire.syncro());
        again.sync();
        again.receiveData(frame("{\"type\":\"sync\",\"from\":null,\"id\":1}"));
        String offline = "{\"data\":[\"t1\",{\"title\":\"offline\"}],\"klass\":\"Task\",\"type\":\"update\","
                + "\"id\":\"a2\"}";
        again.receiveData(frame("{\"type\":\"response\",\"id\":1,\"result\":[" + offline + "]}"));
        // Its log is read from the start even though the first page moved the cursor in it.
        assertThat(ofType(wire, "sync")).extracting(m -> m.get("from").isNull() ? "null" : m.get("from").asText())
                .containsExactly("a1", "null");
        assertThat(answer(wire, 1)).isNull();
        again.receiveData(frame("{\"type\":\"response\",\"id\":2,\"result\":[{\"data\":{\"title\":\"mine\","
                + "\"done\":false,\"priority\":1,\"tags\":[],\"id\":\"t1\"},\"klass\":\"Task\",\"type\":\"create\","
                + "\"id\":\"a1\"}," + offline + "]}"));
        // Its history says it holds t1: it is sent the destroy (and not its own create).
        assertThat(answer(wire, 1).get("result")).extracting(s -> s.get("type").asText() + " "
                + (s.get("data").isArray() ? s.get("data").get(0).asText() : s.get("data").get("id").asText()))
                .containsExactly("destroy t1");
        assertThat(hub.find(Task.class, "t1")).isEmpty();
    }

    @Test
    void catchUpNeverSendsADestroyWhoseCreateThePeerNeverGot() {
        Scriber hub = hub("hub");
        Task gone = hub.create(new Task("gone", "created and destroyed while the peer was away", 1));
        hub.destroy(gone);
        // A Scribe peer destroys an object the hub never had: a tombstone.
        Session scribePeer = hub.client("p").connect(new Capture(4), Wire.scribe());
        scribePeer.receiveData(Capture.frame("{\"type\":\"add_scribe\",\"id\":1,\"scribe\":{\"id\":\"1\",\"klass\":"
                + "\"Task\",\"type\":\"destroy\",\"data\":[\"ghost\"],\"origin\":\"p\",\"clock\":1}}"));
        hub.create(new Task("kept", "kept", 2));

        Capture wire = new Capture(2);
        connectEmpty(hub, "ruby", wire);
        assertThat(answer(wire, 1).get("result")).extracting(s -> s.get("type").asText() + " "
                + (s.get("data").isArray() ? s.get("data").get(0).asText() : s.get("data").get("id").asText()))
                .containsExactly("create kept");

        // Live: a destroy of an object the hub never had is not relayed to the Syncro peer.
        wire.clear();
        scribePeer.receiveData(Capture.frame("{\"type\":\"add_scribe\",\"id\":2,\"scribe\":{\"id\":\"2\",\"klass\":"
                + "\"Task\",\"type\":\"destroy\",\"data\":[\"ghost-2\"],\"origin\":\"p\",\"clock\":2}}"));
        assertThat(ofType(wire, "add_scribe")).isEmpty();
        // A peer that got the create does get the destroy.
        Task later = hub.create(new Task("later", "later", 3));
        hub.destroy(later);
        assertThat(ofType(wire, "add_scribe")).extracting(m -> m.get("scribe").get("type").asText())
                .containsExactly("create", "destroy");
    }

    @Test
    void aCompactingHubKeepsTombstonesForSyncroPeersSoThatAnOldCreateInAPeersHistoryDoesNotComeBack() {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Task.class)
                .wire(Wire.syncro()).onError(problems::add)
                .compaction(java.time.Duration.ofDays(365), java.time.Duration.ofDays(1)).build();
        Session firstSession = connectEmpty(hub, "syncro-conn-1", new Capture(2));
        Task r1 = hub.create(new Task("r1", "made here", 1));
        hub.create(new Task("r2", "kept", 2));
        hub.destroy(r1);
        firstSession.disconnect();
        hub.forgetClient("syncro-conn-1");
        // A Scribe peer has everything: the log may go.
        Session scribePeer = hub.client("p").connect(new Capture(4), Wire.scribe());
        scribePeer.receiveData(Capture.frame("{\"type\":\"sync\",\"from\":\"3\",\"id\":1}"));
        scribePeer.disconnect();
        hub.compact();
        assertThat(hub.store().readAfter(0, 10)).isEmpty();
        // The destroy is compacted away, its tombstone is kept: the hub served a Syncro peer.
        assertThat(hub.store().object("Task", "r1").orElseThrow().destroyed()).isTrue();

        // The peer comes back under a new name: the hub reads its history from the start, with its create of r1.
        Capture wire = new Capture(2);
        Session s = hub.client("syncro-conn-2").connect(wire, Wire.syncro());
        s.sync();
        s.receiveData(frame("{\"type\":\"sync\",\"from\":\"3\",\"id\":1}"));
        s.receiveData(frame("{\"type\":\"response\",\"id\":1,\"result\":[{\"data\":{\"title\":\"made here\","
                + "\"done\":false,\"priority\":1,\"tags\":[],\"id\":\"r1\"},\"klass\":\"Task\",\"type\":\"create\","
                + "\"id\":\"a1\"}]}"));

        assertThat(hub.find(Task.class, "r1")).isEmpty();
        assertThat(hub.store().object("Task", "r1").orElseThrow().destroyed()).isTrue();
        // A Ruby peer raises on a destroy of a record it does not hold, and its log keeps a create after it played
        // the destroy: nothing tells whether it still holds r1, so it is sent no destroy (see PROTOCOL.md).
        assertThat(ofType(wire, "add_scribe")).noneMatch(m -> m.get("scribe").get("type").asText().equals("destroy"));
    }

    @Test
    void aCreateAndDestroyInOnePageLeaveNoLiveObject() {
        // The hub catches up from a Syncro server, whose answer carries its whole history.
        Scriber hub = hub("hub");
        Session s = hub.client("server").connect(new Capture(2), Wire.syncro());
        s.sync();
        s.receiveData(frame("{\"type\":\"response\",\"id\":1,\"result\":[{\"data\":{\"title\":\"x\",\"done\":false,"
                + "\"priority\":1,\"tags\":[],\"id\":\"x1\"},\"klass\":\"Task\",\"type\":\"create\",\"id\":\"s1\"},"
                + "{\"data\":[\"x1\"],\"klass\":\"Task\",\"type\":\"destroy\",\"id\":\"s2\"}]}"));
        assertThat(hub.find(Task.class, "x1")).isEmpty();
        assertThat(hub.all(Task.class)).isEmpty();
        assertThat(hub.store().object("Task", "x1").orElseThrow().destroyed()).isTrue();
        // And the store agrees with the identity map after a restart.
        Scriber restarted = Scriber.builder().clientId("hub2").store(hub.store()).register(Task.class).build();
        assertThat(restarted.all(Task.class)).isEmpty();
    }

    @Test
    void aSyncroEditThatCrossedTheHubsEditOnTheWireIsCorrected() {
        Scriber hub = hub("hub");
        Capture wire = new Capture(2);
        Session s = connectEmpty(hub, "ruby", wire);
        s.receiveData(frame(create(2, "a1", "r1", "original", 1)));
        wire.clear();
        // The hub renames r1 and pushes it; before the peer played that push, it renamed r1 itself.
        Task r1 = hub.find(Task.class, "r1").orElseThrow();
        r1.setTitle("server-edit");
        hub.save(r1);
        int pushId = ofType(wire, "add_scribe").get(0).get("id").asInt();
        s.receiveData(frame(update(3, "a2", "r1", "title", "\"client-edit\"")));
        // The peer's edit arrived last: it wins here, and the peer, which plays server-edit after its own edit,
        // is sent the winning value.
        assertThat(hub.find(Task.class, "r1").orElseThrow().title()).isEqualTo("client-edit");
        List<JsonNode> pushed = ofType(wire, "add_scribe");
        assertThat(pushed).hasSize(2);
        assertThat(pushed.get(1).get("scribe").get("data").toString()).isEqualTo("[\"r1\",{\"title\":\"client-edit\"}]");
        // Once the peer answered the push, a later edit of its own needs no correction.
        s.receiveData(frame("{\"type\":\"response\",\"id\":" + pushId + ",\"result\":true}"));
        s.receiveData(frame("{\"type\":\"response\",\"id\":" + pushed.get(1).get("id").asInt() + ",\"result\":true}"));
        s.receiveData(frame(update(4, "a3", "r1", "title", "\"client-again\"")));
        assertThat(ofType(wire, "add_scribe")).hasSize(2);
        assertThat(hub.find(Task.class, "r1").orElseThrow().title()).isEqualTo("client-again");
    }

    @Test
    void anUnrecognisedPeersHistoryFillsInButOverridesNothingAndThePeerIsCorrected() {
        Scriber hub = hub("hub");
        Task t = hub.create(new Task("r1", "hub-value", 5));
        Capture wire = new Capture(2);
        Session s = hub.client("syncro-conn-2").connect(wire, Wire.syncro());
        s.sync();
        s.receiveData(frame("{\"type\":\"sync\",\"from\":\"1\",\"id\":1}"));
        // Its whole history: an old create of r1 with an old title, and a record the hub does not have.
        s.receiveData(frame("{\"type\":\"response\",\"id\":1,\"result\":[{\"data\":{\"title\":\"old\",\"done\":false,"
                + "\"priority\":5,\"tags\":[],\"id\":\"r1\"},\"klass\":\"Task\",\"type\":\"create\",\"id\":\"a1\"},"
                + "{\"data\":{\"title\":\"new\",\"done\":false,\"priority\":1,\"tags\":[],\"id\":\"r2\"},\"klass\":\"Task\","
                + "\"type\":\"create\",\"id\":\"a2\"}]}"));
        assertThat(hub.find(Task.class, "r1").orElseThrow().title()).isEqualTo("hub-value");
        assertThat(hub.find(Task.class, "r2").orElseThrow().title()).isEqualTo("new");
        List<JsonNode> corrections = ofType(wire, "add_scribe");
        assertThat(corrections).hasSize(1);
        assertThat(corrections.get(0).get("scribe").get("data").toString()).isEqualTo("[\"r1\",{\"title\":\"hub-value\"}]");
        // It carries the peer's cursor here, which Syncro takes from every scribe it plays.
        assertThat(corrections.get(0).get("scribe").get("id").asText()).isEqualTo("1");
        assertThat(t.title()).isEqualTo("hub-value");
    }

    @Test
    void aFrameWhosePrefixWrappedClosesTheSessionWithoutAnError() {
        Scriber hub = hub("hub");
        Capture wire = new Capture(2);
        Session s = connectEmpty(hub, "ruby", wire);
        wire.clear();
        // Syncro writes [length].pack('n'): a 65,600-byte message gets the prefix 64, and its first 64 bytes are
        // read as a frame.
        String big = create(2, "a1", "big", "x".repeat(65_600 - 130), 1);
        byte[] json = big.getBytes(StandardCharsets.UTF_8);
        byte[] wrapped = new byte[json.length + 2];
        wrapped[0] = (byte) (json.length >>> 8);
        wrapped[1] = (byte) json.length;
        System.arraycopy(json, 0, wrapped, 2, json.length);
        s.receiveData(wrapped);
        assertThat(s.isOpen()).isFalse();
        assertThat(wire.closed).isTrue();
        assertThat(wire.messages()).isEmpty();
        assertThat(problems).anySatisfy(p -> assertThat(p.getMessage()).contains("out of step"));
        assertThat(hub.find(Task.class, "big")).isEmpty();
    }

    @Test
    void aScribeTooBigForSyncroFramesIsRefusedWhenRecordedAndOneThatFitsAloneIsSentInCatchUp() {
        Scriber hub = hub("hub");
        assertThatThrownBy(() -> hub.create(new Task("huge", "x".repeat(70_000), 1)))
                .isInstanceOf(ScribeException.class)
                .satisfies(e -> assertThat(((ScribeException) e).code()).isEqualTo(413));
        assertThat(hub.lastScribeId()).isZero();
        assertThat(hub.find(Task.class, "huge")).isEmpty();
        // A scribe of about 65,350 bytes (over the old page budget of 65,023) fits a frame on its own: pushed, and sent in a catch-up page too.
        Task edge = hub.create(new Task("edge", "y".repeat(65_250), 1));
        assertThat(hub.lastScribeId()).isEqualTo(1);
        Capture wire = new Capture(2);
        connectEmpty(hub, "ruby", wire);
        JsonNode page = answer(wire, 1);
        assertThat(page.get("result")).hasSize(1);
        assertThat(page.get("result").get(0).get("data").get("title").asText()).isEqualTo(edge.title());
        int frameBytes = wire.frames.get(wire.frames.size() - 2).length - 2;
        assertThat(frameBytes).isGreaterThan(65_250).isLessThanOrEqualTo(65_535);
    }

    @Test
    void aHubDeclaredToServeSyncroPeersRefusesWhatTheyCouldNeverGetBeforeAnyConnected() {
        // A hub of Scribe's own wire, as the example peer with --syncro-listen: its transport declares the Syncro
        // wire when it starts (ScribeServer does), before any Syncro session opened.
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Task.class)
                .onError(problems::add).build();
        hub.create(new Task("fits-u32", "x".repeat(70_000), 1));
        hub.serves(Wire.syncro());
        assertThat(hub.sessions()).isEmpty();
        assertThatThrownBy(() -> hub.create(new Task("huge", "x".repeat(70_000), 1)))
                .isInstanceOf(ScribeException.class)
                .satisfies(e -> assertThat(((ScribeException) e).code()).isEqualTo(413));
        assertThat(hub.lastScribeId()).isEqualTo(1);
        // A Scribe peer (u32 frames) pushes one as big: answered 413, never stored, so no Syncro peer lacks it.
        Capture out = new Capture(4);
        Session scribePeer = hub.client("a").connect(out, Wire.scribe());
        scribePeer.receiveData(Capture.frame("{\"type\":\"add_scribe\",\"id\":7,\"scribe\":{\"id\":\"1\","
                + "\"klass\":\"Task\",\"type\":\"create\",\"data\":{\"id\":\"pushed\",\"title\":\""
                + "x".repeat(70_000) + "\",\"done\":false,\"priority\":1,\"tags\":[]},\"origin\":\"a\","
                + "\"clock\":111542062186496000}}"));
        JsonNode refused = ofType(out, "error").stream().filter(m -> m.path("id").asInt() == 7).findFirst()
                .orElseThrow();
        assertThat(refused.get("code").asInt()).isEqualTo(413);
        assertThat(hub.find(Task.class, "pushed")).isEmpty();
        assertThat(hub.lastScribeId()).isEqualTo(1);
        // A narrower wire only narrows: declaring the Scribe wire again does not lift the limit.
        hub.serves(Wire.scribe());
        assertThatThrownBy(() -> hub.create(new Task("huge", "x".repeat(70_000), 1)))
                .isInstanceOf(ScribeException.class);
    }

    @Test
    void aValueOfTheWrongTypeIsAnsweredWithTheValueHeldHere() {
        Scriber hub = hub("hub");
        Capture wire = new Capture(2);
        Session s = connectEmpty(hub, "ruby", wire);
        s.receiveData(frame(create(2, "a1", "r1", "task", 2)));
        wire.clear();
        s.receiveData(frame(update(3, "a2", "r1", "priority", "\"urgent\"")));
        // Acknowledged (Syncro raises on an error), and answered with the value both sides keep.
        assertThat(answer(wire, 3).get("result").asBoolean()).isTrue();
        List<JsonNode> pushed = ofType(wire, "add_scribe");
        assertThat(pushed).hasSize(1);
        assertThat(pushed.get(0).get("scribe").get("data").toString()).isEqualTo("[\"r1\",{\"priority\":2}]");
        assertThat(hub.find(Task.class, "r1").orElseThrow().priority()).isEqualTo(2);
        assertThat(problems).anySatisfy(p -> assertThat(p.getMessage()).contains("priority"));
        // A create with a misfit keeps the rest, and the peer gets the value the record has here.
        wire.clear();
        s.receiveData(frame(create(4, "a3", "r2", "other", 0).replace("\"priority\":0", "\"priority\":\"high\"")));
        assertThat(hub.find(Task.class, "r2").orElseThrow().title()).isEqualTo("other");
        assertThat(ofType(wire, "add_scribe").get(0).get("scribe").get("data").toString())
                .isEqualTo("[\"r2\",{\"priority\":0}]");
    }
}
