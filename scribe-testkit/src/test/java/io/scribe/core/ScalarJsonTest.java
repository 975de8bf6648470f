package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.annotations.Synced;
import io.scribe.core.internal.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The JSON Scribe builds itself for primitive, box and String fields is the node Jackson's {@code valueToTree} gives,
 * and the comparison without building it agrees with {@code equals}.
 */
class ScalarJsonTest {

    @Synced(explicit = true)
    static class Scalars {
        String id = "s1";
        int i;
        long l;
        short s;
        byte b;
        boolean z;
        double d;
        float f;
        char c;
        Integer bi;
        Long bl;
        Short bs;
        Byte bb;
        Boolean bz;
        Double bd;
        Float bf;
        Character bc;
        String text;
    }

    private static Scalars sample(int k) {
        Scalars x = new Scalars();
        int[] ints = {0, 1, -1, 10, 11, 127, -128, 1000, Integer.MAX_VALUE, Integer.MIN_VALUE};
        int v = ints[k % ints.length];
        x.i = v;
        x.l = k % 3 == 0 ? Long.MAX_VALUE - k : v;
        x.s = (short) v;
        x.b = (byte) v;
        x.z = k % 2 == 0;
        double[] doubles = {0.0, -0.0, 1.5, Double.NaN, Double.POSITIVE_INFINITY, 1e300, -3.25};
        x.d = doubles[k % doubles.length];
        x.f = (float) doubles[(k + 1) % doubles.length];
        x.c = (char) ('a' + k % 26);
        boolean nulls = k % 4 == 1;
        x.bi = nulls ? null : v;
        x.bl = nulls ? null : (long) v * 3;
        x.bs = nulls ? null : (short) v;
        x.bb = nulls ? null : (byte) v;
        x.bz = nulls ? null : k % 3 == 0;
        x.bd = nulls ? null : x.d;
        x.bf = nulls ? null : x.f;
        x.bc = nulls ? null : x.c;
        x.text = nulls ? null : k % 5 == 0 ? "" : "t\u00e9xt \"" + k;
        return x;
    }

    @Test
    void directNodesAreThoseOfValueToTreeAndTheComparisonAgreesWithEquals() {
        SyncedClass<Scalars> c = new SyncedClass<>(Scalars.class, Policy.defaults());
        for (int k = 0; k < 40; k++) {
            Scalars x = sample(k);
            Scalars other = sample(k + 1);
            for (SyncedClass.FieldModel f : c.fields.values()) {
                assertThat(c.direct(f)).as(f.name()).isTrue();
                JsonNode jackson = Json.MAPPER.valueToTree(c.get(x, f));
                JsonNode direct = c.scalarJson(f, x);
                assertThat(direct).as(f.name() + " " + k).isEqualTo(jackson);
                assertThat(direct.getClass()).as(f.name() + " " + k).isEqualTo(jackson.getClass());
                assertThat(c.sameScalar(f, x, jackson)).as(f.name() + " " + k).isTrue();
                JsonNode otherNode = Json.MAPPER.valueToTree(c.get(other, f));
                assertThat(c.sameScalar(f, x, otherNode)).as(f.name() + " " + k)
                        .isEqualTo(jackson.equals(otherNode));
                assertThat(c.sameScalar(f, x, null)).isFalse();
                // A number of another node type (as a peer's JSON may hold) is not the same, as with equals.
                JsonNode parsed = Json.parse(Json.text(jackson));
                assertThat(c.sameScalar(f, x, parsed)).as(f.name() + " " + k).isEqualTo(jackson.equals(parsed));
            }
        }
    }

    @Test
    void valuesAreConvertedAsTheMapperConvertsThemBothWays() throws Exception {
        SyncedClass<Scalars> c = new SyncedClass<>(Scalars.class, Policy.defaults());
        // Nodes of every kind a peer may send, natural to some fields and foreign to others.
        List<JsonNode> nodes = new ArrayList<>(List.of(Json.NODES.textNode("5"), Json.NODES.textNode("x"),
                Json.NODES.textNode(""), Json.NODES.numberNode(7), Json.NODES.numberNode(-1),
                Json.NODES.numberNode(Integer.MAX_VALUE), Json.NODES.numberNode(Long.MAX_VALUE),
                Json.NODES.numberNode(300), Json.NODES.numberNode(1.5), Json.NODES.numberNode(2.0f),
                Json.NODES.numberNode(new java.math.BigDecimal("1.25")), Json.NODES.booleanNode(true),
                Json.NODES.nullNode(), Json.parse("[1]"), Json.parse("{\"a\":1}")));
        for (int k = 0; k < 20; k++) {
            Scalars x = sample(k);
            for (SyncedClass.FieldModel f : c.fields.values()) {
                Object value = c.get(x, f);
                if (value != null) {
                    JsonNode jackson = Json.MAPPER.valueToTree(value);
                    JsonNode direct = c.toJson(f, value);
                    assertThat(direct).as(f.name() + " " + k).isEqualTo(jackson);
                    assertThat(direct.getClass()).as(f.name() + " " + k).isEqualTo(jackson.getClass());
                }
                nodes.add(Json.MAPPER.valueToTree(value));
            }
        }
        for (SyncedClass.FieldModel f : c.fields.values()) {
            for (JsonNode node : nodes) {
                Object expected;
                try {
                    expected = Json.MAPPER.treeToValue(node, f.javaType());
                    if (expected == null && f.field().getType().isPrimitive()) {
                        expected = "refused";
                    }
                } catch (Exception e) {
                    expected = "refused";
                }
                Object actual;
                try {
                    actual = c.fromJson(f, node);
                } catch (ScribeException e) {
                    actual = "refused";
                }
                assertThat(actual).as(f.name() + " from " + node).isEqualTo(expected);
                if (actual != null) {
                    assertThat(actual.getClass()).as(f.name() + " from " + node).isEqualTo(expected.getClass());
                }
            }
        }
    }

    @Test
    void aConfiguredMapperConvertsEveryFieldItself() {
        SyncedClass<Scalars> c = new SyncedClass<>(Scalars.class, Policy.defaults());
        c.mapper = Json.MAPPER.copy();
        assertThat(c.fields.values()).noneMatch(c::direct);
    }

    @Test
    void aNonFiniteFloatingValueGoesOverTheWireAsTextAndIsTakenBackByAPeer() {
        // Jackson writes NaN and the infinities as strings; a peer reading them must hold the same value, not refuse
        // them as text for a number.
        SyncedClass<Scalars> c = new SyncedClass<>(Scalars.class, Policy.defaults());
        Scalars x = new Scalars();
        for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            x.d = v;
            x.f = (float) v;
            x.bd = v;
            x.bf = (float) v;
            for (String name : List.of("d", "f", "bd", "bf")) {
                SyncedClass.FieldModel f = c.fields.get(name);
                byte[] wire = Json.bytes(c.scalarJson(f, x));
                JsonNode sent = Json.parse(wire, 0, wire.length);
                assertThat(sent.isTextual()).as(name + " " + v + " on the wire").isTrue();
                assertThat(c.incoming(f, sent)).as(name + " " + v).isEqualTo(c.get(x, f));
            }
        }
        // Any other text for a number is still refused.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.incoming(c.fields.get("d"), Json.NODES.textNode("2")))
                .isInstanceOf(ScribeException.class).hasMessageContaining("refused");
    }
}
