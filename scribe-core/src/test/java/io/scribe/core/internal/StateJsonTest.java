package io.scribe.core.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stored object states read by stream against the tree path: the same states, the same errors. */
class StateJsonTest {

    private static final ObjectReader READER = Json.STATE_READER;

    /** What the tree path makes of {@code json}: its state, or its error as text. */
    private static Object byTree(String json) {
        try {
            return Json.objectState(Json.parse(json));
        } catch (ScribeException e) {
            return e.code() + " " + e.getMessage();
        }
    }

    private static Object byCodec(String json) {
        try {
            return Codec.json().decodeState(json.getBytes(UTF_8));
        } catch (ScribeException e) {
            return e.code() + " " + e.getMessage();
        }
    }

    @Test
    void statesAStoreWritesAreReadByStreamAsTheTreeReadsThem() {
        ObjectNode fields = Json.object().put("id", "t-1").put("title", "café ☃ \uD834\uDD1E").put("n", 7);
        fields.putArray("tags").add("a").addObject().put("deep", 1.5);
        Stamp create = new Stamp(7L << 16, "peer-a");
        Map<String, Stamp> stamps = new LinkedHashMap<>();
        stamps.put("id", create);
        stamps.put("title", new Stamp(9L << 16, "peer-b", 7L << 16));
        stamps.put("n", create);
        stamps.put("tags", create);
        List<ObjectState> states = List.of(
                new ObjectState("Task", "t-1", fields, stamps, null),
                new ObjectState("Task", "t-2", Json.object().put("id", "t-2"), Map.of(), new Stamp(3, "g", 2)),
                new ObjectState("Task", "t-3", Json.object(), Map.of("id", create), null));
        for (ObjectState state : states) {
            byte[] stored = Codec.json().encode(state);
            ObjectState streamed = StateJson.read(READER, stored);
            assertThat(streamed).as(new String(stored, UTF_8)).isNotNull().isEqualTo(state);
            assertThat(streamed).isEqualTo(byTree(new String(stored, UTF_8)));
        }
    }

    @Test
    void equalStampsOfOneStateAreOneInstance() {
        String json = "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{\"a\":1,\"b\":2,\"c\":3},"
                + "\"stamps\":{\"a\":[5,\"g\"],\"b\":[5,\"g\"],\"c\":[6,\"g\",5]}}";
        ObjectState state = StateJson.read(READER, json.getBytes(UTF_8));

        assertThat(state.stamps().get("a")).isSameAs(state.stamps().get("b"));
        assertThat(state.stamps().get("c")).isEqualTo(new Stamp(6, "g", 5));
        assertThat(state.stamps().get("c").origin()).isSameAs(state.stamps().get("a").origin());
    }

    @Test
    void membersInAnyOrderAndSpacedAsJsonbPrintsThem() {
        String json = "{\"id\": \"1\", \"klass\": \"K\", \"fields\": {\"a\": 1}, \"stamps\": {\"a\": [5, \"g\"]},"
                + " \"tombstone\": null}";
        assertThat(StateJson.read(READER, json.getBytes(UTF_8))).isNotNull().isEqualTo(byTree(json));
    }

    @Test
    void anythingElseIsLeftToTheTreePathWithItsOutcome() {
        List<String> others = List.of(
                "",
                "[]",
                "{\"klass\":\"K\"}",
                "{\"klass\":1,\"id\":\"1\",\"fields\":{}}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":[]}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{},\"stamps\":null}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{},\"stamps\":{\"a\":{\"clock\":1}}}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{},\"stamps\":{\"a\":[1.5,\"g\"]}}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{},\"stamps\":{\"a\":[1,\"g\",2,3]}}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{},\"tombstone\":\"x\"}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{},\"extra\":true}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{}} {}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{\"a\":1e999}}",
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{\"a\":");
        for (String json : others) {
            assertThat(StateJson.read(READER, json.getBytes(UTF_8))).as(json).isNull();
            assertThat(byCodec(json)).as(json).isEqualTo(byTree(json));
        }
    }
}
