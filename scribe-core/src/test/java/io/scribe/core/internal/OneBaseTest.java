package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.Scribe;
import io.scribe.core.spi.Codec;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A one-field base is the map of its one entry: equal both ways, read, written and decoded as such. */
class OneBaseTest {

    @Test
    void equalsTheMapOfItsOneEntryBothWays() {
        Map<String, Long> one = OneBase.of("balance", 1_234_567_890_123L);
        Map<String, Long> same = Map.of("balance", 1_234_567_890_123L);
        assertThat(one).isEqualTo(same);
        assertThat(same).isEqualTo(one);
        assertThat(new HashMap<>(same)).isEqualTo(one);
        assertThat(one.hashCode()).isEqualTo(same.hashCode());
        assertThat(one).isNotEqualTo(Map.of("balance", 1L)).isNotEqualTo(Map.of("owner", 1_234_567_890_123L))
                .isNotEqualTo(Map.of("balance", 1_234_567_890_123L, "owner", 1L));
        assertThat(one.get("balance")).isEqualTo(1_234_567_890_123L);
        assertThat(one.get("owner")).isNull();
        assertThat(one.getOrDefault("owner", 0L)).isZero();
        assertThat(one.containsKey("balance")).isTrue();
        assertThat(one.entrySet()).containsExactly(Map.entry("balance", 1_234_567_890_123L));
        assertThatThrownBy(() -> one.put("owner", 1L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aScribeKeepsItAndItsCodecRoundTripsIt() {
        Scribe s = new Scribe(null, "Account", Scribe.Type.UPDATE,
                Json.NODES.arrayNode().add("a1").add(Json.object().put("balance", 5)), "peer", 77,
                OneBase.of("balance", 42));
        assertThat(s.base()).isInstanceOf(OneBase.class);
        Scribe decoded = Codec.json().decodeScribe(Codec.json().encode(s));
        assertThat(decoded.base()).isEqualTo(Map.of("balance", 42L));
        assertThat(decoded).isEqualTo(s);
        assertThat(Json.toJson(s).get("base").get("balance").asLong()).isEqualTo(42);
    }

    @Test
    void aSingleHeldNodeGetsKeysOfItsOwnBeforeASecondChild() {
        String[] shared = {"balance"};
        var node = HeldNode.single(shared, Json.NODES.numberNode(5));
        var other = HeldNode.single(shared, Json.NODES.numberNode(6));
        node.put("owner", "ann");
        assertThat(shared).containsExactly("balance");
        assertThat(node.toString()).isEqualTo("{\"balance\":5,\"owner\":\"ann\"}");
        assertThat(other.toString()).isEqualTo("{\"balance\":6}");
        assertThat(HeldNode.indexed(node)).isEqualTo(2);
    }
}
