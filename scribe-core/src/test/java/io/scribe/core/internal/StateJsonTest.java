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

    @Test
    void fieldsOfEveryKindAreTheNodesTheTreeMakes() throws Exception {
        String fields = "{\"s\":\"caf\\u00e9 \\\"q\\\" \u2603\",\"e\":\"\",\"i\":-7,\"z\":0,"
                + "\"maxInt\":2147483647,\"l\":2147483648,\"minLong\":-9223372036854775808,"
                + "\"big\":92233720368547758070,\"d\":1.5,\"negZero\":-0.0,\"exp\":1e300,\"t\":true,"
                + "\"f\":false,\"nul\":null,\"o\":{\"a\":[1,{\"b\":2.25}],\"c\":\"x\"},\"arr\":[],"
                + "\"dup\":1,\"after\":2,\"dup\":\"last\"}";
        String json = "{\"klass\":\"K\",\"id\":\"1\",\"fields\":" + fields + ",\"stamps\":{\"s\":[5,\"g\"]}}";
        ObjectState streamed = StateJson.read(READER, json.getBytes(UTF_8));
        // The tree path as a store's bytes take it: objects held in SmallMaps.
        ObjectState tree = Json.objectState(READER.readTree(json));

        assertThat(streamed).isNotNull().isEqualTo(tree);
        assertThat(streamed.fields().toString()).isEqualTo(tree.fields().toString());
        assertThat(nodeClasses(streamed.fields())).isEqualTo(nodeClasses(tree.fields()));
    }

    /** Each node of {@code node} by its path, as its class: equal trees of other node types differ here. */
    private static Map<String, Class<?>> nodeClasses(com.fasterxml.jackson.databind.JsonNode node) {
        Map<String, Class<?>> out = new LinkedHashMap<>();
        collect("", node, out);
        return out;
    }

    private static void collect(String path, com.fasterxml.jackson.databind.JsonNode node, Map<String, Class<?>> out) {
        out.put(path, node.getClass());
        if (node.isObject()) {
            node.fieldNames().forEachRemaining(name -> collect(path + "/" + name, node.get(name), out));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(path + "/" + i, node.get(i), out);
            }
        }
    }

    @Test
    void stampsAreKeptInTheirOrderAndCannotBeChanged() {
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 14; i++) {
            many.append(i > 0 ? "," : "").append("\"f").append(i).append("\":[").append(20 - i).append(",\"g\"]");
        }
        for (String stamps : List.of("{\"b\":[5,\"g\"],\"a\":[6,\"h\",5],\"c\":[5,\"g\"]}", "{" + many + "}")) {
            String json = "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{},\"stamps\":" + stamps + "}";
            ObjectState state = StateJson.read(READER, json.getBytes(UTF_8));

            assertThat(state).isNotNull().isEqualTo(byTree(json));
            if (state.stamps().size() <= SmallStamps.MAX) {
                assertThat(List.copyOf(state.stamps().keySet())).containsExactly("b", "a", "c");
            }
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> state.stamps().put("x", new Stamp(1, "g")))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void aStateInsideALargerBufferIsReadAsItsBytesAlone() {
        ObjectState state = new ObjectState("Task", "t-1", Json.object().put("id", "t-1").put("n", 3),
                Map.of("id", new Stamp(4, "g")), null);
        byte[] stored = Codec.json().encode(state);
        byte[] buffer = new byte[stored.length + 20];
        java.util.Arrays.fill(buffer, (byte) '{');
        System.arraycopy(stored, 0, buffer, 7, stored.length);

        assertThat(Codec.json().decodeState(buffer, 7, stored.length)).isEqualTo(state);
        // The bytes around it are no part of it: a state cut short is refused as it is alone.
        assertThat(byCodec(buffer, 7, stored.length - 1)).isEqualTo(byCodec(new String(stored, 0, stored.length - 1,
                UTF_8)));
        assertThat(byCodec(buffer, 7, stored.length - 1)).asString().startsWith("400 ");
    }

    private static Object byCodec(byte[] bytes, int offset, int length) {
        try {
            return Codec.json().decodeState(bytes, offset, length);
        } catch (ScribeException e) {
            return e.code() + " " + e.getMessage();
        }
    }

    @Test
    void statesOneAfterTheOtherAreEachReadAsTheyAreAlone() {
        ObjectState a = new ObjectState("Task", "t-1", Json.object().put("id", "t-1").put("n", 3),
                Map.of("id", new Stamp(4, "g"), "n", new Stamp(4, "g")), null);
        ObjectState b = new ObjectState("Task", "t-2", Json.object().put("id", "t-2").put("n", 4L << 33),
                Map.of("id", new Stamp(5, "g"), "n", new Stamp(6, "h", 5)), null);
        String ok = new String(Codec.json().encode(a), UTF_8);
        String ok2 = new String(Codec.json().encode(b), UTF_8);
        List<String> stored = List.of(ok, ok2, " " + ok + "\n", "", ok2, "  ", ok,
                // Cut short: a parser going on into the next state's bytes must not take them as its end.
                ok.substring(0, ok.length() - 1), ok2, ok.substring(0, ok.indexOf("\"fields\"") + 9), ok,
                ok + " {}", ok2, ok + "x", ok, "\uFEFF" + ok, ok2, ok.replace("\"n\":3", "\"n\":3.0"),
                ok.replace("\"id\":\"t-1\",\"n\"", "\"id\":\"t-1\",\"id\":\"again\",\"n\""),
                "{\"klass\":\"K\",\"id\":\"1\",\"fields\":{}}{}", ok, ok2, ok);
        StringBuilder all = new StringBuilder();
        int[] ends = new int[stored.size()];
        for (int i = 0; i < stored.size(); i++) {
            all.append(stored.get(i));
            ends[i] = all.toString().getBytes(UTF_8).length;
        }
        byte[] bytes = all.toString().getBytes(UTF_8);
        List<Object> alone = new java.util.ArrayList<>();
        for (String one : stored) {
            alone.add(byCodec(one));
        }
        List<Object> together = new java.util.ArrayList<>();
        for (int from = 0; from < stored.size(); ) {
            // A state that is no state throws where it stands; the rest are read on from the next one.
            int first = from;
            int[] rest = new int[stored.size() - first];
            for (int i = first; i < stored.size(); i++) {
                rest[i - first] = ends[i] - (first == 0 ? 0 : ends[first - 1]);
            }
            byte[] tail = java.util.Arrays.copyOfRange(bytes, first == 0 ? 0 : ends[first - 1], bytes.length);
            int before = together.size();
            try {
                Codec.json().decodeStates(tail, rest, rest.length, together::add);
                from = stored.size();
            } catch (ScribeException e) {
                together.add(e.code() + " " + e.getMessage());
                from = first + together.size() - before;
            }
        }

        assertThat(together).isEqualTo(alone);
        assertThat(alone).contains(a, b).anySatisfy(o -> assertThat(o).asString().startsWith("400 "));
        assertThat(alone.stream().filter(ObjectState.class::isInstance).count()).isGreaterThan(12);
    }

    @Test
    void statesReadTogetherShareTheirClassAndStampOriginAndKeys() {
        StringBuilder all = new StringBuilder();
        int[] ends = new int[3];
        for (int i = 0; i < 3; i++) {
            all.append(new String(Codec.json().encode(new ObjectState("Task", "t-" + i,
                    Json.object().put("id", "t-" + i).put("title", "x" + i),
                    Map.of("id", new Stamp(10 + i, "peer"), "title", new Stamp(10 + i, "peer")), null)), UTF_8));
            ends[i] = all.length();
        }
        List<ObjectState> read = new java.util.ArrayList<>();
        Codec.json().decodeStates(all.toString().getBytes(UTF_8), ends, 3, read::add);

        assertThat(read).extracting(ObjectState::id).containsExactly("t-0", "t-1", "t-2");
        assertThat(read.get(2).klass()).isSameAs(read.get(0).klass());
        assertThat(read.get(2).stamps().get("id").origin()).isSameAs(read.get(0).stamps().get("title").origin());
        assertThat(HeldNode.sharedKeys(read.get(2).fields())).isNotNull()
                .isSameAs(HeldNode.sharedKeys(read.get(0).fields()));
    }
}
