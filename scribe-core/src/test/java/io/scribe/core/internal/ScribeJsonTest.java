package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The streaming codec of scribes against the tree path it replaces: same bytes, same scribes, same errors. */
class ScribeJsonTest {

    /** A scribe, or the exception that reading it threw, in a form assertions compare by value. */
    private record Outcome(Scribe scribe, String exception, int code, String message) {
        static Outcome of(Supplier<Scribe> read) {
            try {
                return new Outcome(read.get(), null, 0, null);
            } catch (ScribeException e) {
                return new Outcome(null, e.getClass().getName(), e.code(), e.getMessage());
            } catch (RuntimeException e) {
                return new Outcome(null, e.getClass().getName(), -1, e.getMessage());
            }
        }
    }

    private static Outcome tree(byte[] bytes, int offset, int length) {
        return Outcome.of(() -> Json.scribe(Json.parse(bytes, offset, length)));
    }

    private static Outcome stream(byte[] bytes, int offset, int length) {
        return Outcome.of(() -> Json.scribe(bytes, offset, length));
    }

    private static void assertSameOutcome(byte[] bytes, int offset, int length) {
        Outcome expected = tree(bytes, offset, length);
        assertThat(stream(bytes, offset, length))
                .as(new String(bytes, offset, length, StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    private static void assertSameOutcome(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertSameOutcome(bytes, 0, bytes.length);
    }

    private static final String[] TEXTS = {"plain", "é☃ unicode ünïcödé", "emoji \ud83d\ude00", "quote \" and \\",
        "control \u0001\n\t", "", "日本語のテキスト"};

    static Scribe randomScribe(Random random) {
        Scribe.Type type = Scribe.Type.values()[random.nextInt(3)];
        String objectId = "o" + random.nextInt(1000);
        JsonNode data = switch (type) {
            case CREATE -> fields(random).put("id", objectId);
            case UPDATE -> Json.NODES.arrayNode().add(objectId).add(fields(random));
            case DESTROY -> Json.NODES.arrayNode().add(objectId);
        };
        Map<String, Long> base = new HashMap<>();
        if (random.nextBoolean()) {
            for (int i = random.nextInt(4); i >= 0; i--) {
                base.put("f" + random.nextInt(10), random.nextBoolean() ? random.nextLong() : random.nextInt(100));
            }
        }
        long clock = switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> Long.MAX_VALUE;
            case 2 -> random.nextInt(1000);
            default -> random.nextLong() & Long.MAX_VALUE;
        };
        return new Scribe(random.nextBoolean() ? null : Long.toString(random.nextLong() & Long.MAX_VALUE),
                TEXTS[random.nextInt(TEXTS.length)] + "K", type, data,
                random.nextBoolean() ? null : "peer-" + TEXTS[random.nextInt(TEXTS.length)], clock, base);
    }

    private static ObjectNode fields(Random random) {
        ObjectNode o = Json.object();
        for (int i = random.nextInt(6); i >= 0; i--) {
            String name = "f" + random.nextInt(10);
            switch (random.nextInt(9)) {
                case 0 -> o.put(name, TEXTS[random.nextInt(TEXTS.length)]);
                case 1 -> o.put(name, random.nextLong());
                case 2 -> o.put(name, random.nextInt());
                case 3 -> o.put(name, random.nextDouble() * Math.pow(10, random.nextInt(600) - 300));
                case 4 -> o.put(name, new BigInteger("123456789012345678901234567890").multiply(
                        BigInteger.valueOf(random.nextInt(1000) + 1)));
                case 5 -> o.put(name, new BigDecimal("1234567890.12345678901234567890"));
                case 6 -> o.putNull(name);
                case 7 -> o.put(name, random.nextBoolean());
                default -> o.putArray(name).add(1).add("two").addObject().put("three", 3.5);
            }
        }
        return o;
    }

    @Test
    void encodingIsByteForByteThatOfTheTreeAndDecodingGivesTheTreesScribe() {
        Random random = new Random(11);
        for (int i = 0; i < 3000; i++) {
            Scribe s = randomScribe(random);
            byte[] old = Json.bytes(Json.toJson(s));
            byte[] encoded = Json.scribeBytes(s);
            assertThat(encoded).as(new String(old, StandardCharsets.UTF_8)).isEqualTo(old);
            assertThat(Codec.json().encode(s)).isEqualTo(old);
            assertThat(Json.scribeText(s)).isEqualTo(Json.text(Json.toJson(s)));
            Scribe read = Json.scribe(encoded, 0, encoded.length);
            Scribe readByTree = Json.scribe(Json.parse(old, 0, old.length));
            assertThat(read).isEqualTo(readByTree);
            assertThat(Codec.json().decodeScribe(encoded)).isEqualTo(readByTree);
            // Numbers come back as the tree path reads them: the same node types, not only equal values.
            assertThat(read.data().toString()).isEqualTo(readByTree.data().toString());
        }
    }

    @Test
    void aScribeInTheMiddleOfAnArrayIsReadAtItsOffset() {
        Random random = new Random(5);
        Scribe s = randomScribe(random);
        byte[] one = Json.scribeBytes(s);
        byte[] framed = new byte[one.length + 20];
        System.arraycopy(one, 0, framed, 10, one.length);
        assertThat(Json.scribe(framed, 10, one.length)).isEqualTo(Json.scribe(Json.parse(one, 0, one.length)));
    }

    @Test
    void keysAreReadInAnyOrderWithSyncroIdsAndUnknownKeys() {
        assertSameOutcome("{\"data\":[600,{\"name\":\"bar\"}],\"klass\":\"Test\",\"type\":\"update\","
                + "\"id\":\"45a31e2b5d816bcc7d62285481\"}");
        assertSameOutcome("{\"base\":{\"a\":3,\"b\":-9223372036854775808},\"clock\":9223372036854775807,"
                + "\"origin\":\"p\",\"data\":{\"id\":\"x\"},\"type\":\"create\",\"klass\":\"K\",\"id\":17}");
        assertSameOutcome("{\"extra\":{\"nested\":[1,2,{\"x\":null}]},\"klass\":\"K\",\"type\":\"destroy\","
                + "\"data\":[\"x\"],\"more\":true}");
        byte[] bytes = "{\"id\":12,\"klass\":\"K\",\"type\":\"destroy\",\"data\":[\"x\"],\"clock\":5}"
                .getBytes(StandardCharsets.UTF_8);
        Scribe s = Json.scribe(bytes, 0, bytes.length);
        assertThat(s.id()).isEqualTo("12");
        assertThat(s.clock()).isEqualTo(5);
    }

    @Test
    void oddlyTypedOptionalKeysAreReadAsTheTreePathReadsThem() {
        String tail = "\"klass\":\"K\",\"type\":\"create\",\"data\":{}";
        for (String key : new String[] {"id", "origin", "clock", "base"}) {
            for (String value : new String[] {"null", "1", "-1", "1.9", "1e300", "12345678901234567890123", "true",
                "\"7\"", "\"x\"", "[]", "[1]", "{}", "{\"a\":1}", "{\"a\":\"2\",\"b\":1.5,\"c\":null,\"d\":[1]}",
                "{\"a\":99999999999999999999}"}) {
                assertSameOutcome("{\"" + key + "\":" + value + "," + tail + "}");
                assertSameOutcome("{" + tail + ",\"" + key + "\":" + value + "}");
            }
        }
    }

    @Test
    void duplicateKeysKeepTheLastAsTheTreeDoes() {
        assertSameOutcome("{\"klass\":\"A\",\"klass\":\"B\",\"type\":\"create\",\"data\":{}}");
        assertSameOutcome("{\"klass\":\"A\",\"klass\":1,\"type\":\"create\",\"data\":{}}");
        assertSameOutcome("{\"klass\":\"A\",\"type\":\"create\",\"data\":{},\"data\":null}");
        assertSameOutcome("{\"klass\":\"A\",\"type\":\"create\",\"data\":{},\"base\":{\"a\":1},\"base\":2}");
        assertSameOutcome("{\"klass\":\"A\",\"type\":\"create\",\"data\":{},\"base\":{\"a\":1,\"a\":2}}");
    }

    @Test
    void dataIsReadIntoTheTreeTheTreePathMakesMembersNamedTwiceIncluded() {
        String[] datas = {
            "[\"t-1\",{\"a\":1,\"b\":\"x\",\"a\":2}]", "{\"id\":\"t\",\"n\":5,\"id\":\"u\",\"m\":null}",
            "[[1,[2]],{\"o\":{\"p\":[true,false,null]}},3000000000,12345678901234567890123,1.5,-0.0,\"\"]",
            "{\"big\":99999999999999999999,\"f\":1e300,\"d\":1234567890.12345678901234567890,\"e\":{}}",
            "[{},[],{\"a\":{\"a\":1},\"a\":[1]}]", "[]", "{}", "\"text\"", "7", "true",
        };
        for (String data : datas) {
            String json = "{\"klass\":\"K\",\"type\":\"update\",\"data\":" + data + "}";
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            JsonNode read = Json.scribe(bytes, 0, bytes.length).data();
            JsonNode byTree = Json.parse(bytes, 0, bytes.length).get("data");
            assertThat(read).as(json).isEqualTo(byTree);
            // Members in the tree's order, numbers of the tree's types.
            assertThat(read.toString()).as(json).isEqualTo(byTree.toString());
            assertSameOutcome(json);
        }
    }

    @Test
    void malformedScribesFailAsOnTheTreePath() {
        String[] inputs = {
            "{\"type\":\"create\",\"data\":{}}", // no klass
            "{\"klass\":7,\"type\":\"create\",\"data\":{}}", // klass of the wrong type
            "{\"klass\":\"K\",\"data\":{}}", // no type
            "{\"klass\":\"K\",\"type\":[\"create\"],\"data\":{}}",
            "{\"klass\":\"K\",\"type\":\"move\",\"data\":{}}", // unknown type
            "{\"klass\":\"K\",\"type\":\"create\"}", // no data
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":null}",
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{\"x\":1e400}}", // out of the range of a double
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{},\"other\":[-1e999]}",
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{},\"clock\":1e400}",
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{},\"base\":{\"a\":1e400}}",
            "[]", "[{\"klass\":\"K\",\"type\":\"create\",\"data\":{}}]", "\"scribe\"", "12", "null", "true",
            "", "   ", "{", "}", "{\"klass\"", "{\"klass\":", "{\"klass\":\"K\"", "{\"klass\":\"K\",",
            "{\"klass\":\"K\" \"type\":\"create\"}", "{klass:\"K\"}", "{\"klass\":'K'}",
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{}} trailing", // trailing garbage
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{}}}",
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{}},{",
            "{\"klass\":\"K\",\"type\":\"create\",\"data\":{},\"x\":\"\u0001\"}",
        };
        for (String input : inputs) {
            assertSameOutcome(input);
        }
        // Invalid UTF-8, in a key the codec reads and in one it does not use.
        for (String key : new String[] {"klass", "other"}) {
            byte[] head = ("{\"" + key + "\":\"").getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\",\"klass\":\"K\",\"type\":\"create\",\"data\":{}}".getBytes(StandardCharsets.UTF_8);
            byte[] bytes = new byte[head.length + 2 + tail.length];
            System.arraycopy(head, 0, bytes, 0, head.length);
            bytes[head.length] = (byte) 0xc3;
            bytes[head.length + 1] = (byte) 0x28;
            System.arraycopy(tail, 0, bytes, head.length + 2, tail.length);
            assertSameOutcome(bytes, 0, bytes.length);
            assertThat(stream(bytes, 0, bytes.length).code()).isEqualTo(ScribeException.BAD_REQUEST);
        }
        assertThat(stream("{\"type\":\"create\",\"data\":{}}".getBytes(StandardCharsets.UTF_8), 0, 27))
                .isEqualTo(new Outcome(null, ScribeException.class.getName(), 400, "scribe has no klass"));
    }

    @Test
    void everyTruncationAndManyMutationsFailOrSucceedAsOnTheTreePath() {
        Random random = new Random(23);
        for (int i = 0; i < 60; i++) {
            byte[] bytes = Json.scribeBytes(randomScribe(random));
            for (int length = 0; length < bytes.length; length++) {
                assertSameOutcome(bytes, 0, length);
            }
        }
        for (int i = 0; i < 20_000; i++) {
            byte[] bytes = Json.scribeBytes(randomScribe(random));
            bytes = mutated(random, bytes);
            assertSameOutcome(bytes, 0, bytes.length);
        }
    }

    private static final byte[] ALPHABET =
            "{}[]\":,0123456789.eE+-truefalsnul \\x\u00e9".getBytes(StandardCharsets.UTF_8);

    /** {@code bytes} with one to three random changes: a JSON character or any byte put in, or a byte taken out. */
    static byte[] mutated(Random random, byte[] bytes) {
        for (int m = random.nextInt(3); m >= 0; m--) {
            int at = random.nextInt(bytes.length);
            switch (random.nextInt(3)) {
                case 0 -> bytes[at] = ALPHABET[random.nextInt(ALPHABET.length)];
                case 1 -> bytes[at] = (byte) random.nextInt(256);
                default -> {
                    byte[] shorter = new byte[bytes.length - 1];
                    System.arraycopy(bytes, 0, shorter, 0, at);
                    System.arraycopy(bytes, at + 1, shorter, at, shorter.length - at);
                    bytes = shorter;
                }
            }
        }
        return bytes;
    }

    @Test
    void scribesAreWrittenToAndReadFromAGeneratorAndAParserInsideOtherJson() throws Exception {
        Random random = new Random(9);
        List<Scribe> scribes = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            scribes.add(randomScribe(random));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartArray();
            for (Scribe s : scribes) {
                Json.writeScribe(g, s);
            }
            g.writeEndArray();
        }
        List<byte[]> each = scribes.stream().map(Json::scribeBytes).toList();
        assertThat(out.toByteArray()).isEqualTo(Json.join(new byte[] {'['}, each, new byte[] {']'}));
        List<Scribe> read = new ArrayList<>();
        try (JsonParser p = Json.READER.createParser(out.toByteArray())) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            while (p.nextToken() == JsonToken.START_OBJECT) {
                read.add(Json.readScribe(p));
                assertThat(p.currentToken()).isEqualTo(JsonToken.END_OBJECT);
            }
            assertThat(p.currentToken()).isEqualTo(JsonToken.END_ARRAY);
        }
        assertThat(read).isEqualTo(each.stream().map(b -> Json.scribe(Json.parse(b, 0, b.length))).toList());
    }
}
