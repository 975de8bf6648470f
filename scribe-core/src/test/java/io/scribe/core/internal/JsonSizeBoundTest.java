package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Json#sizeBound} is never below the length {@link Json#bytes} writes, and gives up on what it cannot bound. */
class JsonSizeBoundTest {

    private static final String CHARS = "aZ9 \"\\\n\t\u0001\u00e9\u20ac\ud83d\ude00/<";

    private static String text(Random r) {
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            b.append(CHARS.charAt(r.nextInt(CHARS.length())));
        }
        return b.toString();
    }

    private static JsonNode node(Random r, int depth) {
        switch (depth > 3 ? r.nextInt(8) : r.nextInt(10)) {
            case 0: return Json.NODES.textNode(text(r));
            case 1: return Json.NODES.numberNode(r.nextLong());
            case 2: return Json.NODES.numberNode(r.nextInt());
            case 3: return Json.NODES.numberNode(r.nextDouble() * Math.pow(10, r.nextInt(600) - 300));
            case 4: return Json.NODES.numberNode(r.nextFloat());
            case 5: return Json.NODES.booleanNode(r.nextBoolean());
            case 6: return Json.NODES.nullNode();
            case 7: return Json.NODES.numberNode((short) r.nextInt());
            case 8: {
                ObjectNode o = Json.object();
                for (int i = r.nextInt(5); i > 0; i--) {
                    o.set(text(r), node(r, depth + 1));
                }
                return o;
            }
            default: {
                ArrayNode a = Json.NODES.arrayNode();
                for (int i = r.nextInt(5); i > 0; i--) {
                    a.add(node(r, depth + 1));
                }
                return a;
            }
        }
    }

    @Test
    void theBoundIsNeverBelowTheWrittenLength() {
        Random r = new Random(11);
        for (int i = 0; i < 5000; i++) {
            JsonNode n = node(r, 0);
            assertThat(Json.sizeBound(n, Long.MAX_VALUE - 1)).as(n.toString())
                    .isGreaterThanOrEqualTo(Json.bytes(n).length);
        }
    }

    @Test
    void nodesItDoesNotBoundAndLargeOnesGoOverTheCap() {
        assertThat(Json.sizeBound(Json.NODES.numberNode(new java.math.BigDecimal("1e400")), 100)).isGreaterThan(100);
        assertThat(Json.sizeBound(Json.NODES.binaryNode(new byte[10]), 100)).isGreaterThan(100);
        assertThat(Json.sizeBound(Json.NODES.textNode("x".repeat(100)), 100)).isGreaterThan(100);
    }
}
