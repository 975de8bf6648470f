package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A page of a peer's log read from its frame in one pass against the tree path it replaces: the same members, the same
 * scribes, the same errors (for the frame, and for each scribe, named by its id).
 */
class SyncPageTest {

    /** What the catch-up makes of one element of {@code result}: a scribe, or the error that refuses it, and its id. */
    private record Item(Scribe scribe, String data, String error, String id) {}

    /**
     * What a receiver makes of a frame: the error that refuses it, or its members other than {@code result} and the
     * elements of {@code result} (null when it is not an array).
     */
    private record Outcome(String error, JsonNode members, List<Item> items) {}

    /** The tree path: the whole frame parsed, then each scribe read from its node. */
    private static Outcome byTree(byte[] bytes) {
        JsonNode message;
        try {
            message = Json.parse(bytes, 0, bytes.length);
        } catch (RuntimeException e) {
            return new Outcome(error(e), null, null);
        }
        return ofTree(message);
    }

    private static Outcome byTree(String text) {
        JsonNode message;
        try {
            message = Json.parse(text);
        } catch (RuntimeException e) {
            return new Outcome(error(e), null, null);
        }
        return ofTree(message);
    }

    private static Outcome ofTree(JsonNode message) {
        JsonNode members = message;
        if (message.isObject()) {
            members = message.deepCopy();
            ((ObjectNode) members).remove("result");
        }
        JsonNode result = message.path("result");
        if (!result.isArray()) {
            return new Outcome(null, members, null);
        }
        List<Item> items = new ArrayList<>();
        for (JsonNode node : result) {
            JsonNode id = node.get("id");
            String idText = id == null || id.isNull() ? null : id.asText();
            try {
                Scribe s = Json.scribe(node);
                items.add(new Item(s, s.data().toString(), null, idText));
            } catch (RuntimeException e) {
                items.add(new Item(null, null, error(e), idText));
            }
        }
        return new Outcome(null, members, items);
    }

    /** As a receiver reads a frame now: by stream when it can, else as before. */
    private static Outcome received(byte[] bytes) {
        SyncPage page = SyncPage.read(bytes, 0, bytes.length);
        return page == null ? byTree(bytes) : ofPage(page);
    }

    private static Outcome received(String text) {
        SyncPage page = SyncPage.read(text);
        return page == null ? byTree(text) : ofPage(page);
    }

    private static Outcome ofPage(SyncPage page) {
        List<Item> items = new ArrayList<>();
        for (Scribe s : page.scribes()) {
            items.add(new Item(s, s.data().toString(), null, s.id()));
        }
        assertThat(page.size()).isEqualTo(items.size());
        return new Outcome(null, page.message(), items);
    }

    private static String error(RuntimeException e) {
        return e.getClass().getName() + " " + (e instanceof ScribeException se ? se.code() : -1) + " "
                + e.getMessage();
    }

    private static void assertSameOutcome(byte[] bytes) {
        Outcome expected = byTree(bytes);
        Outcome actual = received(bytes);
        assertThat(actual).as(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(expected);
        // Numbers as the tree path reads them: the same node types, not only equal values.
        assertThat(String.valueOf(actual.members())).isEqualTo(String.valueOf(expected.members()));
    }

    private static void assertSameOutcome(String json) {
        assertSameOutcome(json.getBytes(StandardCharsets.UTF_8));
        assertThat(received(json)).as(json).isEqualTo(byTree(json));
    }

    /** Asserts that {@code json} is read by stream, into what the tree path gives. */
    private static void assertReadByStream(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertThat(SyncPage.read(bytes, 0, bytes.length)).as(json).isNotNull();
        assertThat(SyncPage.read(json)).as(json).isNotNull();
        assertSameOutcome(json);
    }

    private static final String A = "{\"id\":\"1\",\"klass\":\"Item\",\"type\":\"create\",\"data\":{\"id\":\"a\",\"n\":1},"
            + "\"origin\":\"p1\",\"clock\":123456789,\"base\":{\"n\":5}}";
    private static final String B = "{\"id\":\"2\",\"klass\":\"Item\",\"type\":\"update\",\"data\":[\"a\",{\"n\":2}],"
            + "\"origin\":\"p1\",\"clock\":123456790}";

    @Test
    void pagesOfEveryShapeAreReadByStreamIntoWhatTheTreeGives() {
        // As a peer answers: type first, result last.
        assertReadByStream("{\"type\":\"response\",\"id\":7,\"more\":true,\"cursor\":\"2\",\"window\":64,\"result\":["
                + A + "," + B + "]}");
        // Empty result, the last page.
        assertReadByStream("{\"type\":\"response\",\"id\":8,\"more\":false,\"cursor\":\"2\",\"result\":[]}");
        assertReadByStream("{\"type\":\"response\",\"id\":8,\"result\":[ ]}");
        // Unicode in keys, values and names; escapes.
        assertReadByStream("{\"type\":\"response\",\"id\":9,\"cursor\":\"é☃\",\"result\":[{\"id\":\"3\","
                + "\"klass\":\"Ünïcödé 日本\",\"type\":\"create\",\"data\":{\"id\":\"\ud83d\ude00\",\"t\":\"quote \\\" "
                + "\\\\ \\u0001 \\n\",\"ключ\":\"значение\"},\"origin\":\"peer-é\"}]}");
        // Nested data: arrays in objects in arrays, numbers of every kind.
        assertReadByStream("{\"type\":\"response\",\"id\":10,\"result\":[{\"id\":\"4\",\"klass\":\"K\",\"type\":"
                + "\"update\",\"data\":[\"x\",{\"a\":[1,[2,[3,{\"b\":null}]],{\"c\":{\"d\":[true,false]}}],"
                + "\"big\":123456789012345678901234567890,\"dec\":1234567890.12345678901234567890,\"e\":1.5e300,"
                + "\"neg\":-9223372036854775808,\"f\":0.1}]}]}");
        // Members in another order, result before type, unknown members, whitespace.
        assertReadByStream("{\"result\":[" + B + "," + A + "],\"type\":\"response\",\"cursor\":\"2\",\"id\":11}");
        assertReadByStream("{ \"cursor\" : \"2\" , \"result\" : [ " + A + " ] , \"more\" : true , \"id\" : 12 ,"
                + " \"type\" : \"response\" , \"extra\" : {\"nested\":[1,{\"x\":null}]} }");
        // Keys of a scribe in any order; Syncro's scribes (number ids, no origin, clock or base).
        assertReadByStream("{\"type\":\"response\",\"id\":13,\"result\":[{\"data\":[600,{\"name\":\"bar\"}],"
                + "\"klass\":\"Test\",\"type\":\"update\",\"id\":\"45a31e2b5d816bcc7d62285481\"},{\"klass\":\"T\","
                + "\"type\":\"destroy\",\"data\":[\"x\"],\"id\":17},{\"klass\":\"T\",\"type\":\"destroy\","
                + "\"data\":[\"y\"]},{\"klass\":\"T\",\"type\":\"destroy\",\"data\":[\"y\"],\"id\":null}]}");
        // A page of a snapshot.
        assertReadByStream("{\"type\":\"response\",\"id\":14,\"more\":true,\"cursor\":\"s:5:2\",\"snapshot\":"
                + "{\"start\":true,\"stored\":\"5\",\"end\":false},\"result\":[" + A + "]}");
        // Whatever follows the message is not read, by either path.
        assertReadByStream("{\"type\":\"response\",\"id\":15,\"result\":[" + A + "]} trailing");
        // An id that is not a number.
        assertReadByStream("{\"type\":\"response\",\"id\":\"x\",\"result\":[" + A + "]}");
    }

    @Test
    void randomPagesAreReadByStreamIntoWhatTheTreeGives() {
        Random random = new Random(17);
        for (int i = 0; i < 300; i++) {
            String json = page(random, random.nextInt(20));
            assertReadByStream(json);
        }
    }

    @Test
    void theDataBoundOfAPageHoldsEveryScribesDataEncodedAgain() {
        Random random = new Random(23);
        List<String> pages = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            pages.add(page(random, 1 + random.nextInt(20)));
        }
        // Numbers Java writes longer than they came, spaces, escapes of ASCII characters, a member named twice.
        pages.add("{\"type\":\"response\",\"id\":1,\"result\":[{\"id\":\"1\",\"klass\":\"K\",\"type\":\"update\","
                + "\"data\":[\"x\",{\"a\":1e6,\"b\":[1e6,9e5,1E6,-1e6,1e-7,5e-324,1e22,0e0]}]}]}");
        pages.add("{\"type\":\"response\",\"id\":1,\"result\":[{\"id\":\"1\",\"klass\":\"K\",\"type\":\"update\","
                + "\"data\":[ \"x\" , { \"a\" : \"\\u0041\\u0001\\ud834\\udd1e\\/\" , \"a\" : 1e6 } ]}]}");
        for (String json : pages) {
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            SyncPage page = SyncPage.read(bytes, 0, bytes.length);
            assertThat(page).as(json).isNotNull();
            assertThat(page.dataBound()).as(json).isPositive();
            for (Scribe s : page.scribes()) {
                assertThat((long) Json.bytes(s.data()).length).as(json).isLessThanOrEqualTo(page.dataBound());
            }
        }
        // Read from characters, or parsed as a tree: no bound.
        assertThat(SyncPage.read(pages.get(0)).dataBound()).isZero();
        assertThat(SyncPage.of(Json.parse(pages.get(0))).dataBound()).isZero();
    }

    @Test
    void aPageAtAnOffsetIsReadFromThere() {
        byte[] page = ("{\"type\":\"response\",\"id\":3,\"result\":[" + A + "]}").getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[page.length + 20];
        System.arraycopy(page, 0, framed, 10, page.length);
        SyncPage read = SyncPage.read(framed, 10, page.length);
        assertThat(ofPage(read)).isEqualTo(byTree(page));
    }

    @Test
    void theScribesOfAPageShareOneStringForTheSameKlassAndOrigin() {
        String other = "{\"id\":\"3\",\"klass\":\"Other\",\"type\":\"destroy\",\"data\":[\"b\"],\"origin\":\"p2\"}";
        String json = "{\"type\":\"response\",\"id\":3,\"result\":[" + A + "," + B + "," + other + "," + B + "]}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        List<Scribe> scribes = SyncPage.read(bytes, 0, bytes.length).scribes();

        // A store that keeps the scribes holds one string for each, not one per scribe.
        assertThat(scribes.get(1).klass()).isSameAs(scribes.get(0).klass());
        assertThat(scribes.get(1).origin()).isSameAs(scribes.get(0).origin());
        assertThat(scribes.get(2).klass()).isEqualTo("Other");
        assertThat(scribes.get(2).origin()).isEqualTo("p2");
        assertThat(scribes.get(3).klass()).isEqualTo("Item");
        assertThat(ofPage(SyncPage.read(bytes, 0, bytes.length))).isEqualTo(byTree(bytes));
    }

    @Test
    void anAnswerParsedAsATreeKeepsItsResult() {
        JsonNode message = Json.parse("{\"type\":\"response\",\"id\":3,\"result\":[" + A + "," + B + "]}");
        SyncPage page = SyncPage.of(message);
        assertThat(page.scribes()).isNull();
        assertThat(page.message()).isSameAs(message);
        assertThat(page.size()).isEqualTo(2);
        assertThat(SyncPage.of(Json.parse("{\"type\":\"response\",\"id\":3,\"result\":true}")).size()).isZero();
    }

    @Test
    void aBadScribeInAPageIsRefusedAsBeforeNamingIt() {
        String bad = "{\"id\":\"5\",\"type\":\"create\",\"data\":{}}";
        String json = "{\"type\":\"response\",\"id\":3,\"cursor\":\"6\",\"result\":[" + A + "," + bad + "," + B + "]}";
        assertSameOutcome(json);
        Outcome outcome = received(json.getBytes(StandardCharsets.UTF_8));
        assertThat(outcome.items()).hasSize(3);
        assertThat(outcome.items().get(0).scribe()).isNotNull();
        assertThat(outcome.items().get(1))
                .isEqualTo(new Item(null, null, ScribeException.class.getName() + " 400 scribe has no klass", "5"));
        assertThat(outcome.items().get(2).scribe()).isNotNull();
        String[] bads = {
            "{\"klass\":7,\"type\":\"create\",\"data\":{},\"id\":\"5\"}",
            "{\"klass\":\"K\",\"data\":{},\"id\":5}",
            "{\"klass\":\"K\",\"type\":\"move\",\"data\":{},\"id\":\"5\"}",
            "{\"klass\":\"K\",\"type\":\"create\",\"id\":\"5\"}",
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":null,\"id\":\"5\"}",
            "\"not a scribe\"", "17", "null", "[" + A + "]", "{}",
        };
        for (String b : bads) {
            assertSameOutcome("{\"type\":\"response\",\"id\":3,\"result\":[" + A + "," + b + "]}");
            assertSameOutcome("{\"result\":[" + b + "],\"type\":\"response\",\"id\":3}");
        }
    }

    @Test
    void malformedPagesFailAsBefore() {
        String[] inputs = {
            "", " ", "{", "}",
            "{\"type\":\"response\",\"id\":3,\"result\":[" + A + "]", // cut short
            "{\"type\":\"response\",\"id\":3,\"result\":[" + A + ",]}",
            "{\"type\":\"response\",\"id\":3,\"result\":[" + A + "}",
            "{\"type\":\"response\",\"id\":3,\"result\":[{\"id\":\"1\",\"klass\":\"K\",\"type\":\"create\","
                    + "\"data\":{\"x\":1e400}}]}", // a number beyond a double
            "{\"type\":\"response\",\"id\":3,\"more\":1e400,\"result\":[]}",
            "{\"type\":\"response\",\"id\":3,\"result\":[{\"klass\":\"K\",\"type\":\"create\",\"data\":{},"
                    + "\"clock\":1e999}]}",
            "{type:\"response\",\"id\":3,\"result\":[]}",
            "{\"type\":'response',\"id\":3,\"result\":[]}",
            "{\"type\":\"response\" \"id\":3,\"result\":[]}",
        };
        for (String input : inputs) {
            assertSameOutcome(input);
            if (!input.isBlank()) {
                assertThat(received(input).error()).as(input).startsWith(ScribeException.class.getName() + " 400 ");
            }
        }
        // Invalid UTF-8 in a scribe.
        byte[] head = ("{\"type\":\"response\",\"id\":3,\"result\":[{\"id\":\"1\",\"klass\":\"")
                .getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\",\"type\":\"create\",\"data\":{}}]}".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 2 + tail.length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xc3;
        bytes[head.length + 1] = (byte) 0x28;
        System.arraycopy(tail, 0, bytes, head.length + 2, tail.length);
        assertSameOutcome(bytes);
        assertThat(received(bytes).error()).startsWith(ScribeException.class.getName() + " 400 malformed JSON");
    }

    @Test
    void otherMessagesAndOtherResultsAreLeftToTheTreePath() {
        String[] inputs = {
            "[]", "null", "\"response\"", "[{\"type\":\"response\",\"id\":3,\"result\":[" + A + "]}]",
            "{\"type\":\"add_scribe\",\"id\":3,\"scribe\":" + A + "}",
            "{\"type\":\"add_scribes\",\"scribes\":[" + A + "]}",
            "{\"result\":[" + A + "],\"type\":\"add_scribe\"}", // result first, another type
            "{\"result\":[" + A + "]}", // no type
            "{\"type\":7,\"result\":[" + A + "]}",
            "{\"type\":\"response\",\"id\":3,\"result\":true}", // an rpc's answer
            "{\"type\":\"response\",\"id\":3,\"result\":[1,2,3]}",
            "{\"type\":\"response\",\"id\":3,\"result\":{\"a\":[" + A + "]}}",
            "{\"type\":\"response\",\"id\":3}",
            "{\"type\":\"response\",\"id\":3,\"result\":null}",
            // A member twice: the tree keeps the last.
            "{\"type\":\"response\",\"id\":3,\"result\":[" + A + "],\"result\":[" + B + "]}",
            "{\"type\":\"response\",\"id\":3,\"id\":4,\"result\":[" + A + "]}",
            "{\"type\":\"response\",\"type\":\"error\",\"id\":3,\"result\":[" + A + "]}",
            "{\"type\":\"responses\",\"id\":3,\"result\":[" + A + "]}",
        };
        for (String input : inputs) {
            byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
            assertThat(SyncPage.read(bytes, 0, bytes.length)).as(input).isNull();
            assertThat(SyncPage.read(input)).as(input).isNull();
            assertSameOutcome(input);
        }
    }

    @Test
    void everyTruncationAndManyMutationsOfAPageFailOrSucceedAsBefore() {
        Random random = new Random(29);
        for (int i = 0; i < 20; i++) {
            byte[] bytes = page(random, 1 + random.nextInt(3)).getBytes(StandardCharsets.UTF_8);
            for (int length = 0; length < bytes.length; length++) {
                byte[] cut = java.util.Arrays.copyOf(bytes, length);
                assertSameOutcome(cut);
            }
        }
        for (int i = 0; i < 5_000; i++) {
            byte[] bytes = page(random, random.nextInt(4)).getBytes(StandardCharsets.UTF_8);
            bytes = ScribeJsonTest.mutated(random, bytes);
            assertSameOutcome(bytes);
        }
    }

    /** A page of {@code n} random scribes, its members in a random order. */
    private static String page(Random random, int n) {
        ArrayNode result = Json.NODES.arrayNode();
        for (int i = 0; i < n; i++) {
            result.add(Json.toJson(ScribeJsonTest.randomScribe(random)));
        }
        List<String> members = new ArrayList<>(List.of("\"type\":\"response\"", "\"id\":" + random.nextInt(1000),
                "\"more\":" + random.nextBoolean(), "\"result\":" + Json.text(result)));
        if (random.nextBoolean()) {
            members.add("\"cursor\":\"" + random.nextInt(100000) + "\"");
        }
        if (random.nextBoolean()) {
            members.add("\"window\":" + random.nextInt(512));
        }
        if (random.nextInt(4) == 0) {
            members.add("\"snapshot\":{\"start\":" + random.nextBoolean() + ",\"stored\":\"7\"}");
        }
        if (random.nextBoolean()) {
            java.util.Collections.shuffle(members, random);
        }
        return "{" + String.join(",", members) + "}";
    }
}
