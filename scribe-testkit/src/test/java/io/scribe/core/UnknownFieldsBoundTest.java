package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import io.scribe.testkit.RawPeer;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fields a peer's scribes carry that the class here lacks are kept (another version of the class), but not without
 * bound: a peer allowed to write an object cannot grow its state with ever new names, nor name a field like the
 * stamp of a key-merged field's key. Such a scribe is refused with 400 and what is held stays as it was.
 */
class UnknownFieldsBoundTest {

    private static final Duration ANSWER = Duration.ofSeconds(5);

    private final List<ScribeException> errors = new CopyOnWriteArrayList<>();
    private RawPeer writer;
    private Scriber hub;
    private long clock;

    @AfterEach
    void close() {
        if (writer != null) {
            writer.close();
        }
        if (hub != null) {
            hub.close();
        }
    }

    /** A hub holding task t1, and a writer connected to it whose clock is after t1's create. */
    private void start() throws Exception {
        hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Task.class).onError(errors::add)
                .build();
        hub.create(new Task("t1", "first", 1));
        clock = (System.currentTimeMillis() + 1_000) << 16;
        writer = RawPeer.inProcess(hub, "writer");
        ObjectNode sync = RawPeer.object().put("type", "sync").put("limit", 500);
        sync.putNull("from");
        assertThat(writer.request(sync, ANSWER).path("type").asText()).isEqualTo("response");
    }

    private JsonNode update(String id, ObjectNode fields) {
        ObjectNode scribe = RawPeer.object().put("id", Long.toString(clock)).put("klass", "Task").put("type", "update");
        scribe.set("data", RawPeer.object().arrayNode().add(id).add(fields));
        scribe.put("clock", ++clock);
        ObjectNode add = RawPeer.object().put("type", "add_scribe");
        add.set("scribe", scribe);
        try {
            return writer.request(add, ANSWER);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private int unknownHeld(String id) {
        ObjectState state = hub.store().object("Task", id).orElseThrow();
        int n = 0;
        for (Iterator<String> it = state.fields().fieldNames(); it.hasNext(); ) {
            if (it.next().startsWith("junk")) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aPeerCannotGrowAnObjectWithEverNewFieldNames() throws Exception {
        start();

        // A newer version of the class may add fields: kept, up to the bound.
        ObjectNode some = RawPeer.object();
        for (int i = 0; i < UnknownFields.MAX; i++) {
            some.put("junk" + i, i);
        }
        assertThat(update("t1", some).path("type").asText()).isEqualTo("response");
        assertThat(unknownHeld("t1")).isEqualTo(UnknownFields.MAX);

        JsonNode refused = update("t1", RawPeer.object().put("junkMore", 1).put("title", "second"));
        assertThat(refused.path("type").asText()).as("%s", refused).isEqualTo("error");
        assertThat(refused.path("code").asInt()).isEqualTo(400);
        assertThat(refused.path("message").asText()).contains("more than " + UnknownFields.MAX);
        assertThat(unknownHeld("t1")).isEqualTo(UnknownFields.MAX);
        assertThat(hub.find(Task.class, "t1").orElseThrow().title()).isEqualTo("first");

        // Values of fields held already still change.
        assertThat(update("t1", RawPeer.object().put("junk0", 99).put("title", "third")).path("type").asText())
                .isEqualTo("response");
        assertThat(hub.store().object("Task", "t1").orElseThrow().fields().get("junk0").asInt()).isEqualTo(99);
        assertThat(hub.find(Task.class, "t1").orElseThrow().title()).isEqualTo("third");
    }

    @Test
    void aFieldNamedLikeTheStampOfAKeyIsRefused() throws Exception {
        start();

        JsonNode refused = update("t1", RawPeer.object().put("tags/x", 1));
        assertThat(refused.path("code").asInt()).as("%s", refused).isEqualTo(400);
        assertThat(hub.store().object("Task", "t1").orElseThrow().fields().has("tags/x")).isFalse();
        assertThat(hub.store().object("Task", "t1").orElseThrow().stamps()).doesNotContainKey("tags/x");
    }
}
