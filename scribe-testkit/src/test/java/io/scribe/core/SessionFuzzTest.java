package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Store;

/**
 * Coverage-guided fuzzing of a session's message dispatch: whatever a peer sends (frames over u32 or Syncro's u16,
 * cut into reads of any size, or whole messages as a WebSocket delivers them), no exception escapes the session, it
 * still answers {@code noop} (in Syncro mode, where a frame that does not parse closes it, a new session does), and
 * the store is unchanged (the class refuses every incoming scribe, so nothing a peer
 * sends may change it).
 */
class SessionFuzzTest {

    private static final String NOOP = "{\"type\":\"noop\",\"id\":987654321}";

    @FuzzTest(maxDuration = "2s")
    @DictionaryEntries({"\"type\"", "\"id\"", "\"add_scribe\"", "\"sync\"", "\"rpc\"", "\"noop\"", "\"response\"",
            "\"error\"", "\"scribe\"", "\"klass\"", "\"Task\"", "\"data\"", "\"create\"", "\"update\"", "\"destroy\"",
            "\"origin\"", "\"clock\"", "\"base\"", "\"from\"", "\"limit\"", "\"method\"", "\"add\"", "\"args\"",
            "\"result\"", "\"more\"", "\"code\"", "\"title\"", "\"tags\"", "\"priority\"", "\"done\"", "null",
            "true", "[", "]", "{", "}", ":", ","})
    void noMessageBreaksTheSessionOrChangesTheStore(FuzzedDataProvider input) {
        int mode = input.consumeInt(0, 2);
        Engine engine = ENGINES[mode];
        Scriber server = engine.server;
        Wire wire = engine.wire;
        Capture out = new Capture(wire.framing().prefixBytes());
        Session session = server.client("fuzzer").connect(out);
        try {
            if (mode == 1) {
                while (input.remainingBytes() > 0) {
                    session.receiveMessage(input.consumeString(input.consumeInt(0, 600)));
                }
            } else {
                int read = input.consumeInt(1, 256);
                byte[] stream = input.consumeRemainingAsBytes();
                for (int at = 0; at < stream.length; at += read) {
                    session.receiveData(stream, at, Math.min(read, stream.length - at));
                }
            }
            out.clear();
            if (!session.isOpen()) {
                // Only Syncro mode closes a session, at the first frame that does not parse: with no error message
                // a Syncro peer could handle, the stream is out of step. The peer reconnects.
                assertThat(wire.isSyncro()).as("closed outside Syncro mode").isTrue();
                session = server.client("fuzzer").connect(out);
            }
            session.receiveMessage(NOOP);
            assertThat(out.last()).as("answer to noop")
                    .hasToString("{\"type\":\"response\",\"id\":987654321,\"result\":true}");
            assertThat(server.lastScribeId()).isEqualTo(1);
            assertThat(server.store().readAfter(1, 10)).isEmpty();
            assertThat(server.store().cursor("fuzzer")).isEmpty();
            assertThat(io.scribe.core.internal.Json.toJson(server.store().object("Task", engine.id).get()))
                    .isEqualTo(engine.stored);
            assertThat(server.find(Task.class, engine.id)).get().hasToString(engine.before);
            assertThat(server.all(Task.class)).hasSize(1);
        } finally {
            // The next input connects the same client again: this session ends here, whatever happened.
            session.disconnect();
        }
    }

    /**
     * One engine per mode, shared by every input (building a Scriber per input made the target run a few hundred
     * inputs a second): each input connects a new session of the same client and ends it, and the checks above make
     * sure no input left anything behind that the next one could meet (the store, the object, the client's cursor).
     */
    private static final Engine[] ENGINES = {new Engine(Wire.scribe().withMaxFrameBytes(4096)),
        new Engine(Wire.scribe().withMaxFrameBytes(4096)), new Engine(Wire.syncro())};

    private static final class Engine {
        final Wire wire;
        final Scriber server;
        final String id;
        final String before;
        final JsonNode stored;

        Engine(Wire wire) {
            this.wire = wire;
            server = Scriber.builder().clientId("server").store(Store.inMemory())
                    .register(Task.class, Policy.<Task>defaults().withAuthorizer((scribe, client) -> false))
                    .wire(wire).onError(e -> { }).build();
            Task existing = server.create(new Task("kept", 1));
            id = existing.id();
            before = existing.toString();
            stored = io.scribe.core.internal.Json.toJson(server.store().object("Task", id).get());
        }
    }
}
