package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link UniformStamps} is the map of stamps it replaces, in less memory. */
class UniformStampsTest {

    private final ObjectNode fields = HeldNode.compact(Json.object().put("id", "x1").put("title", "a title"));
    private final Stamp stamp = new Stamp(42, "peer-a", 0);

    @Test
    void oneStampForEveryFieldIsHeldAsAViewEqualToTheMapItReplaces() {
        Map<String, Stamp> stamps = Map.of("id", stamp, "title", new Stamp(42, "peer-a", 0));
        Map<String, Stamp> uniform = UniformStamps.of(stamps, fields);

        assertThat(uniform).isInstanceOf(UniformStamps.class);
        assertThat(uniform).isEqualTo(stamps);
        assertThat(stamps).isEqualTo(uniform);
        assertThat(uniform.hashCode()).isEqualTo(stamps.hashCode());
        assertThat(uniform).containsExactly(Map.entry("id", stamp), Map.entry("title", stamp));
        assertThat(uniform.get("title")).isEqualTo(stamp);
        assertThat(uniform.get("missing")).isNull();
        assertThat(uniform.getOrDefault("missing", null)).isNull();
        assertThat(new HashMap<>(uniform)).isEqualTo(stamps);
        assertThat(uniform.keySet()).containsExactly("id", "title");
        assertThat(uniform.values()).containsExactly(stamp, stamp);
        assertThat(uniform.containsValue(stamp)).isTrue();
        assertThat(uniform.containsValue(new Stamp(1, "peer-a", 0))).isFalse();
        assertThat(uniform).hasToString("{id=" + stamp + ", title=" + stamp + "}");
        assertThatThrownBy(() -> uniform.put("title", stamp)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> uniform.remove("id")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void stampsThatDifferOrDoNotMatchTheFieldsStayAsTheyAre() {
        Map<String, Stamp> differ = Map.of("id", stamp, "title", new Stamp(43, "peer-a", 0));
        Map<String, Stamp> otherKeys = Map.of("id", stamp, "done", stamp);
        Map<String, Stamp> fewer = Map.of("id", stamp);
        Map<String, Stamp> keyMerged = Map.of("id", stamp, "title", stamp, "title/k", stamp);

        assertThat(UniformStamps.of(differ, fields)).isSameAs(differ);
        assertThat(UniformStamps.of(otherKeys, fields)).isSameAs(otherKeys);
        assertThat(UniformStamps.of(fewer, fields)).isSameAs(fewer);
        assertThat(UniformStamps.of(keyMerged, fields)).isSameAs(keyMerged);
        assertThat(UniformStamps.of(Map.of(), Json.object())).isEmpty();
    }

    @Test
    void anObjectStateKeepsUniformStampsAndEqualsTheStateWithAMapOfThem() {
        Map<String, Stamp> stamps = Map.of("id", stamp, "title", stamp);
        ObjectState held = new ObjectState("Task", "x1", fields, UniformStamps.of(stamps, fields), null);
        ObjectState plain = new ObjectState("Task", "x1", fields, stamps, null);

        assertThat(held.stamps()).isInstanceOf(UniformStamps.class);
        assertThat(held).isEqualTo(plain);
        assertThat(plain).isEqualTo(held);
        assertThat(held.hashCode()).isEqualTo(plain.hashCode());
        assertThat(Json.toJson(held)).isEqualTo(Json.toJson(plain));
    }
}
