package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The size a scribe is bounded by without being written is never below its real size, whatever its texts hold: a
 * class, origin, id or base name from a peer may be made of characters JSON escapes in six bytes each. A bound below
 * the real size would admit a scribe that no frame can then carry to the other peers.
 */
class SizeBoundTest {

    private static final String[] PIECES = {"a", "\u0001", "\u001f", "\"", "\\", "\u00e9", "\u20ac", "\ud83d\ude00", "\n"};

    private static String text(Random random, int length) {
        StringBuilder b = new StringBuilder();
        while (b.length() < length) {
            b.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return b.toString();
    }

    @Test
    void theBoundOfAScribeWhoseNamesAreControlCharactersIsAtLeastItsSize() {
        String control = "\u0001".repeat(1_000);
        ObjectNode fields = Json.object();
        fields.put("f", 1);
        Scribe s = new Scribe(control, control, Scribe.Type.UPDATE, Json.pair(Json.NODES.textNode("x"), fields),
                control, 1, Map.of("f", 1L, control, 2L));
        long real = Json.bytes(Json.toJson(s)).length;
        assertThat(real).isGreaterThan(20_000);
        assertThat(Admission.sizeBound(s, Long.MAX_VALUE)).isGreaterThanOrEqualTo(real);
    }

    @Test
    void theBoundOfAScribeIsAtLeastItsSizeWithAnyText() {
        Random random = new Random(11);
        for (int i = 0; i < 2_000; i++) {
            int n = 1 + random.nextInt(400);
            ObjectNode fields = Json.object();
            Map<String, Long> base = new HashMap<>();
            String field = text(random, 1 + random.nextInt(20));
            fields.put(field, text(random, random.nextInt(60)));
            base.put(field, (long) random.nextInt(1000));
            if (random.nextBoolean()) {
                String other = text(random, n);
                fields.put(other, random.nextLong());
                base.put(other, random.nextLong());
            }
            Scribe s = new Scribe(random.nextBoolean() ? null : text(random, n), text(random, n), Scribe.Type.UPDATE,
                    Json.pair(Json.NODES.textNode(text(random, n)), fields), text(random, n), random.nextLong(), base);
            long real = Json.bytes(Json.toJson(s)).length;
            assertThat(Admission.sizeBound(s, Long.MAX_VALUE)).as("bound of %s", s).isGreaterThanOrEqualTo(real);
        }
    }
}
