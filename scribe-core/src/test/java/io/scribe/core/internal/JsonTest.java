package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void aNumberBeyondTheRangeOfADoubleIsRefusedRatherThanReadAsInfinity() {
        // Found by JsonFuzzTest: read as Infinity, the value was written on as the string "Infinity".
        for (String json : new String[] {"{\"title\":1e400}", "[-7340e390]", "{\"a\":{\"b\":[1.5e309]}}"}) {
            byte[] bytes = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            assertThatThrownBy(() -> Json.parse(bytes, 0, bytes.length)).isInstanceOf(ScribeException.class)
                    .hasMessageContaining("too large for a double")
                    .satisfies(e -> assertThat(((ScribeException) e).code()).isEqualTo(ScribeException.BAD_REQUEST));
            assertThatThrownBy(() -> Json.parse(json)).isInstanceOf(ScribeException.class)
                    .hasMessageContaining("too large for a double");
        }
        assertThat(Json.parse("{\"x\":1.7976931348623157e308,\"y\":-0.0,\"z\":1e-400}").toString())
                .isEqualTo("{\"x\":1.7976931348623157E308,\"y\":-0.0,\"z\":0.0}");
    }

    @Test
    void aSyncroScribeReadsWithItsStringIdAndNoOriginOrClock() {
        Scribe s = Json.scribe(Json.parse("{\"data\":[600,{\"name\":\"bar\"}],\"klass\":\"Test\",\"type\":\"update\","
                + "\"id\":\"45a31e2b5d816bcc7d62285481\"}"));
        assertThat(s.id()).isEqualTo("45a31e2b5d816bcc7d62285481");
        assertThat(s.type()).isEqualTo(Scribe.Type.UPDATE);
        assertThat(s.origin()).isNull();
        assertThat(s.clock()).isZero();
        assertThat(s.data().get(0).asInt()).isEqualTo(600);
    }

    @Test
    void scribesAndStatesRoundTripThroughTheCodec() {
        Random random = new Random(3);
        for (int i = 0; i < 500; i++) {
            var data = Json.object().put("id", "o" + i).put("n", random.nextLong()).put("s", "é☃" + random.nextInt());
            Scribe s = new Scribe(random.nextBoolean() ? null : Integer.toString(i), "K" + random.nextInt(3),
                    Scribe.Type.values()[random.nextInt(3)], data, random.nextBoolean() ? null : "peer",
                    random.nextLong() & Long.MAX_VALUE, random.nextBoolean() ? Map.of() : Map.of("s", 5L));
            assertThat(Codec.json().decodeScribe(Codec.json().encode(s))).isEqualTo(s);
            ObjectState st = new ObjectState("K", "o" + i, data, Map.of("s", new Stamp(i, "p", i / 2)),
                    random.nextBoolean() ? null : new Stamp(i + 1, "q"));
            assertThat(Codec.json().decodeState(Codec.json().encode(st))).isEqualTo(st);
        }
    }

    @Test
    void malformedScribesAreA400NamingWhatIsMissing() {
        assertThatThrownBy(() -> Json.scribe(Json.parse("{\"type\":\"create\",\"data\":{}}")))
                .isInstanceOf(ScribeException.class).hasMessage("scribe has no klass")
                .extracting(e -> ((ScribeException) e).code()).isEqualTo(400);
        assertThatThrownBy(() -> Json.scribe(Json.parse("{\"klass\":\"K\",\"type\":\"move\",\"data\":{}}")))
                .hasMessage("unknown scribe type: move");
        assertThatThrownBy(() -> Json.parse("")).isInstanceOf(ScribeException.class);
        assertThatThrownBy(() -> Codec.json().decodeState("{\"klass\":1}".getBytes()))
                .isInstanceOf(ScribeException.class);
    }

    @Test
    void utf8LengthIsThatOfTheEncoderWithoutEncoding() {
        Random random = new Random(7);
        String[] pieces = {"a", "\u00e9", "\u20ac", "\ud83d\ude00", "\ud800", "\udc00", "\"", "\u0000"};
        for (int n = 0; n < 500; n++) {
            StringBuilder b = new StringBuilder();
            int parts = random.nextInt(40);
            for (int i = 0; i < parts; i++) {
                b.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = b.toString();
            int encoded = text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (text.codePoints().noneMatch(c -> c >= 0xd800 && c <= 0xdfff)) {
                assertThat(Json.utf8Length(text)).as(text).isEqualTo(encoded);
            } else {
                // A lone surrogate: counted as three bytes, an upper bound of the encoder's replacement.
                assertThat(Json.utf8Length(text)).as(text).isGreaterThanOrEqualTo(encoded);
            }
            for (long max : new long[] {0, 1, encoded - 1L, encoded, encoded + 1L, 3L * text.length()}) {
                if (max >= 0 && text.codePoints().noneMatch(c -> c >= 0xd800 && c <= 0xdfff)) {
                    assertThat(Json.utf8Over(text, max)).as(text + " over " + max).isEqualTo(encoded > max);
                }
            }
        }
    }

    @Test
    void aDecodedStateIsHeldAsItIsReadAndEqualsTheStoredOne() {
        var fields = Json.object().put("id", "o1").put("n", 2).put("big", 1L << 40).put("x", 1.5).put("s", "é");
        fields.putObject("nested").put("a", 1).putArray("list").add("b").addObject().put("c", true);
        var wide = fields.putObject("wide");
        for (int i = 0; i < 20; i++) {
            wide.put("f" + i, i);
        }
        ObjectState stored = new ObjectState("K", "o1", fields, Map.of("n", new Stamp(3, "p")), null);
        ObjectState read = Codec.json().decodeState(Codec.json().encode(stored));
        assertThat(read).isEqualTo(stored);
        assertThat(read.fields().get("wide").size()).isEqualTo(20);
        assertThat(read.fields().get("big").isLong()).isTrue();
        // Read straight into the held form: keeping it makes no copy.
        assertThat(HeldNode.compact(read.fields())).isSameAs(read.fields());
        // Writing to a decoded state's fields works as on any object node.
        ObjectNode copy = read.fields().deepCopy();
        copy.put("n", 3).remove("s");
        assertThat(copy.get("n").intValue()).isEqualTo(3);
        assertThat(copy.has("s")).isFalse();
        assertThat(read.fields().get("n").intValue()).isEqualTo(2);
        assertThatThrownBy(() -> Codec.json().decodeState(
                "{\"klass\":\"K\",\"id\":\"o\",\"fields\":{\"x\":1e400},\"stamps\":{}}".getBytes()))
                .isInstanceOf(ScribeException.class).hasMessageContaining("too large for a double");
    }
}
