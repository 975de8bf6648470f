package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every kind of bad input gets a clear answer, the session keeps working afterwards, and nothing already stored is
 * lost.
 */
class BadInputTest {

    private final List<ScribeException> problems = new ArrayList<>();
    private Scriber server;
    private Capture wire;
    private Session session;
    private Task existing;

    @BeforeEach
    void setUp() {
        server = Peers.builder("server").onError(problems::add).requestTimeout(Duration.ofMillis(200))
                .wire(Wire.scribe().withMaxFrameBytes(1024)).build();
        existing = server.create(new Task("kept", 1));
        wire = new Capture(4);
        session = server.client("peer").connect(wire);
    }

    private JsonNode send(String json) {
        wire.clear();
        session.receiveData(Capture.frame(json));
        return wire.last();
    }

    private void assertStillWorks() {
        JsonNode answer = send("{\"type\":\"noop\",\"id\":99}");
        assertThat(answer.toString()).isEqualTo("{\"type\":\"response\",\"id\":99,\"result\":true}");
        assertThat(server.lastScribeId()).isEqualTo(1);
        assertThat(server.find(Task.class, existing.id())).isPresent();
        assertThat(server.store().object("Task", existing.id())).isPresent();
    }

    @Test
    void malformedJsonIsAnswered400() {
        JsonNode error = send("{not json");
        assertThat(error.get("type").asText()).isEqualTo("error");
        assertThat(error.get("code").asInt()).isEqualTo(400);
        assertThat(error.get("message").asText()).contains("malformed JSON");
        assertStillWorks();
    }

    @Test
    void aMessageWithoutTypeOrNotAnObjectIsAnswered400() {
        assertThat(send("{\"id\":4}").get("code").asInt()).isEqualTo(400);
        assertThat(send("[1,2]").get("code").asInt()).isEqualTo(400);
        assertThat(send("{\"type\":7,\"id\":5}").get("id").asInt()).isEqualTo(5);
        assertStillWorks();
    }

    @Test
    void aNumberTooLargeForADoubleIsAnswered400AndNothingIsStored() {
        JsonNode error = send("{\"type\":\"add_scribe\",\"id\":12,\"scribe\":{\"klass\":\"Task\",\"type\":"
                + "\"update\",\"data\":[\"" + existing.id() + "\",{\"priority\":1e400}],\"origin\":\"peer\","
                + "\"clock\":7340032}}");
        assertThat(error.get("type").asText()).isEqualTo("error");
        assertThat(error.get("code").asInt()).isEqualTo(400);
        assertThat(error.get("message").asText()).contains("too large for a double");
        assertThat(server.find(Task.class, existing.id()).get().priority()).isEqualTo(1);
        assertStillWorks();
    }

    @Test
    void anUnknownTypeIsAnswered400WithTheRequestId() {
        JsonNode error = send("{\"type\":\"bogus\",\"id\":11}");
        assertThat(error.get("code").asInt()).isEqualTo(400);
        assertThat(error.get("id").asInt()).isEqualTo(11);
        assertThat(error.get("message").asText()).isEqualTo("unknown message type: bogus");
        assertStillWorks();
    }

    @Test
    void aFrameOverTheMaximumIsAnswered413AndSkippedWithoutLosingStep() {
        byte[] big = new byte[5000];
        java.util.Arrays.fill(big, (byte) 'x');
        byte[] frame = Capture.frame(4, big);
        byte[] next = Capture.frame("{\"type\":\"noop\",\"id\":3}");
        byte[] stream = new byte[frame.length + next.length];
        System.arraycopy(frame, 0, stream, 0, frame.length);
        System.arraycopy(next, 0, stream, frame.length, next.length);
        wire.clear();
        // Fed in pieces: the skipped frame spans several reads, and the next frame follows in the last one.
        for (int pos = 0; pos < stream.length; pos += 700) {
            session.receiveData(stream, pos, Math.min(700, stream.length - pos));
        }
        List<JsonNode> answers = wire.messages();
        assertThat(answers).hasSize(2);
        assertThat(answers.get(0).get("code").asInt()).isEqualTo(413);
        assertThat(answers.get(1).toString()).isEqualTo("{\"type\":\"response\",\"id\":3,\"result\":true}");
        assertStillWorks();
    }

    @Test
    void anOversizedPreFramedMessageIsAnswered413() {
        wire.clear();
        session.receiveMessage("{\"type\":\"noop\",\"id\":1,\"pad\":\"" + "y".repeat(2000) + "\"}");
        assertThat(wire.last().get("code").asInt()).isEqualTo(413);
        assertStillWorks();
    }

    @Test
    void aScribeForAnUnregisteredClassIsAnswered403() {
        JsonNode error = send("{\"type\":\"add_scribe\",\"scribe\":{\"klass\":\"Object\",\"type\":\"create\","
                + "\"data\":{},\"id\":\"x1\"},\"id\":6}");
        assertThat(error.get("code").asInt()).isEqualTo(403);
        assertThat(error.get("id").asInt()).isEqualTo(6);
        assertThat(error.get("message").asText()).contains("class not registered: Object");
        assertStillWorks();
    }

    @Test
    void anUpdateOfAnUnknownObjectIsAnswered404() {
        JsonNode error = send("{\"type\":\"add_scribe\",\"scribe\":{\"klass\":\"Task\",\"type\":\"update\","
                + "\"data\":[\"no-such-id\",{\"title\":\"x\"}],\"id\":\"r4\"},\"id\":15}");
        assertThat(error.get("code").asInt()).isEqualTo(404);
        assertThat(error.get("message").asText()).contains("unknown object Task/no-such-id");
        assertStillWorks();
    }

    @Test
    void malformedScribesAreAnswered400() {
        assertThat(send("{\"type\":\"add_scribe\",\"scribe\":{\"klass\":\"Task\",\"type\":\"create\",\"data\":[1]},"
                + "\"id\":1}").get("code").asInt()).isEqualTo(400);
        assertThat(send("{\"type\":\"add_scribe\",\"scribe\":{\"klass\":\"Task\",\"type\":\"explode\",\"data\":{}},"
                + "\"id\":2}").get("code").asInt()).isEqualTo(400);
        assertThat(send("{\"type\":\"add_scribe\",\"id\":3}").get("code").asInt()).isEqualTo(400);
        JsonNode badValue = send("{\"type\":\"add_scribe\",\"scribe\":{\"klass\":\"Task\",\"type\":\"update\","
                + "\"data\":[\"" + existing.id() + "\",{\"priority\":\"high\"}]},\"id\":4}");
        assertThat(badValue.get("code").asInt()).isEqualTo(400);
        assertThat(badValue.get("message").asText()).contains("Task.priority");
        assertThat(existing.priority()).isEqualTo(1);
        assertStillWorks();
    }

    @Test
    void aScribeCannotReachFieldsThatAreNotSynced() {
        JsonNode answer = send("{\"type\":\"add_scribe\",\"scribe\":{\"klass\":\"Task\",\"type\":\"update\","
                + "\"data\":[\"" + existing.id() + "\",{\"draft\":\"injected\",\"views\":99,\"title\":\"ok\"}]},"
                + "\"id\":8}");
        assertThat(answer.get("result").asBoolean()).isTrue();
        assertThat(existing.title()).isEqualTo("ok");
        assertThat(existing.draft()).isNull();
        assertThat(existing.views()).isZero();
    }

    @Test
    void anInboundErrorWithoutARequestIsReportedAndNeverAnswered() {
        wire.clear();
        session.receiveData(Capture.frame("{\"type\":\"error\",\"code\":500}"));
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":999,\"result\":true}"));
        assertThat(wire.messages()).isEmpty();
        assertThat(problems).extracting(ScribeException::code).contains(500);
        assertStillWorks();
    }

    @Test
    void aTruncatedFrameAtDisconnectIsReported() {
        byte[] frame = Capture.frame("{\"type\":\"noop\",\"id\":1}");
        session.receiveData(frame, 0, frame.length - 3);
        session.disconnect();
        assertThat(problems).anySatisfy(p -> {
            assertThat(p.code()).isEqualTo(400);
            assertThat(p.getMessage()).contains("truncated frame").contains(Integer.toString(frame.length - 3));
        });
        assertThat(wire.closed).isTrue();
        // The peer reconnects: a new session works, and the data is intact.
        wire = new Capture(4);
        session = server.client("peer").connect(wire);
        assertStillWorks();
    }

    @Test
    void aRequestWithoutAnAnswerFailsAfterTheTimeoutAndIsFreed() throws Exception {
        CompletableFuture<Void> ping = session.noop();
        assertThat(session.pendingRequests()).isEqualTo(1);
        assertThatThrownBy(() -> ping.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(ScribeException.class).extracting(e -> ((ScribeException) e).code()).isEqualTo(408);
        assertThat(session.pendingRequests()).isZero();
    }

    @Test
    void closingASessionFailsItsPendingRequests() {
        CompletableFuture<Void> ping = session.noop();
        CompletableFuture<Void> sync = session.sync();
        session.disconnect();
        assertThat(ping).isCompletedExceptionally();
        assertThat(sync).isCompletedExceptionally();
        assertThat(session.pendingRequests()).isZero();
        session.receiveData(Capture.frame("{\"type\":\"noop\",\"id\":1}"));
        assertThat(session.isOpen()).isFalse();
    }

    @Test
    void aSyncroPeerIsNeverSentAnErrorItCannotHandle() {
        Capture syncroWire = new Capture(2);
        Session syncro = server.client("ruby").connect(syncroWire, Wire.syncro());
        syncro.receiveData(Capture.frame(2, "{\"type\":\"bogus\",\"id\":11}".getBytes(StandardCharsets.UTF_8)));
        assertThat(syncroWire.messages()).isEmpty();
        assertThat(problems).extracting(ScribeException::code).contains(400);
        // Syncro itself answers a refused request with a bare error code: so does Scribe.
        syncro.receiveData(Capture.frame(2, ("{\"type\":\"rpc\",\"klass\":\"Kernel\",\"method\":\"exit\",\"args\":[],"
                + "\"id\":4}").getBytes(StandardCharsets.UTF_8)));
        assertThat(syncroWire.last().get("code").asInt()).isEqualTo(404);
        // A frame that is not JSON means the stream is out of step: the session closes, no error is sent.
        syncro.receiveData(Capture.frame(2, "{not json".getBytes(StandardCharsets.UTF_8)));
        assertThat(syncroWire.messages()).hasSize(1);
        assertThat(syncro.isOpen()).isFalse();
    }

    @Test
    void aLocalChangeThatCannotBeStoredLeavesNothingBehind() {
        Store failing = new io.scribe.core.spi.ForwardingStore(Store.inMemory()) {
            boolean fail;

            @Override
            public List<Scribe> commit(io.scribe.core.spi.Commit commit) {
                if (fail) {
                    throw new ScribeException(ScribeException.INTERNAL, "disk full");
                }
                // The first commit of a scribe is stored, every later one fails.
                fail = !commit.scribes().isEmpty();
                return super.commit(commit);
            }
        };
        Scriber peer = Scriber.builder().clientId("p").store(failing).register(Task.class).build();
        Task t = peer.create(new Task("first", 1));
        t.setTitle("second");
        assertThatThrownBy(() -> peer.save(t)).hasMessage("disk full");
        // The failed update is still pending: nothing was marked as recorded.
        assertThat(failing.object("Task", t.id()).orElseThrow().fields().get("title").asText()).isEqualTo("first");
        assertThat(peer.lastScribeId()).isEqualTo(1);
        assertThat(peer.recording(Scribe.Type.UPDATE, t)).isTrue();
    }
}
