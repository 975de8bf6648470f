package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link SmallStamps} is the map of stamps it replaces; changed only by its owner, and only until frozen. */
class SmallStampsTest {

    private final Object step = new Object();
    private final Stamp a = new Stamp(42, "peer-a", 0);
    private final Stamp b = new Stamp(43, "peer-b", 42);

    @Test
    void itIsAMapEqualToTheOneItReplacesChangedOnlyByItsOwnerUntilFrozen() {
        SmallStamps stamps = SmallStamps.empty(1, step);
        stamps.put("id", a);
        stamps.put("title", a);
        assertThat(stamps.put("title", b)).isEqualTo(a);
        Map<String, Stamp> same = Map.of("id", a, "title", b);

        assertThat(stamps).isEqualTo(same);
        assertThat(same).isEqualTo(stamps);
        assertThat(new HashMap<>(same)).isEqualTo(stamps);
        assertThat(stamps.hashCode()).isEqualTo(same.hashCode());
        assertThat(stamps).containsExactly(Map.entry("id", a), Map.entry("title", b));
        assertThat(stamps.keySet()).containsExactly("id", "title");
        assertThat(stamps.values()).containsExactly(a, b);
        assertThat(stamps.get("missing")).isNull();
        assertThat(stamps.getOrDefault("missing", a)).isEqualTo(a);
        assertThat(stamps.containsValue(b)).isTrue();
        assertThat(stamps).hasToString("{id=" + a + ", title=" + b + "}");
        assertThat(stamps.ownedBy(step)).isTrue();
        assertThat(stamps.ownedBy(new Object())).isFalse();
        assertThatThrownBy(() -> stamps.remove("id")).isInstanceOf(UnsupportedOperationException.class);

        // An object state keeps it as it is.
        ObjectNode fields = HeldNode.compact(Json.object().put("id", "x1").put("title", "t"));
        ObjectState state = new ObjectState("Task", "x1", fields, stamps, null);
        assertThat(state.stamps()).isSameAs(stamps);

        stamps.freeze(fields);
        assertThat(stamps.ownedBy(step)).isFalse();
        assertThatThrownBy(() -> stamps.put("title", a)).isInstanceOf(UnsupportedOperationException.class);
        assertThat(stamps).isEqualTo(same);
    }

    @Test
    void aCopyChangesNeitherTheMapItWasCopiedFromNorItsSharedNames() {
        SmallStamps first = SmallStamps.empty(4, step);
        first.put("id", a);
        first.put("title", a);
        Object next = new Object();
        SmallStamps copy = SmallStamps.copyOf(first, Json.object(), next);
        copy.put("title", b);
        copy.put("done", b);
        // The map copied from, still its owner's, adds a name of its own where the copy added one.
        first.put("priority", a);

        assertThat(first).isEqualTo(Map.of("id", a, "title", a, "priority", a));
        assertThat(copy).isEqualTo(Map.of("id", a, "title", b, "done", b));
        assertThat(copy.ownedBy(next)).isTrue();
        assertThat(first.ownedBy(step)).isTrue();
    }

    @Test
    void aCopyOfUniformStampsOverHeldFieldsSharesTheirNamesAndAFrozenMapSharesTheHeldFieldsKeys() {
        ObjectNode fields = HeldNode.compact(Json.object().put("id", "x1").put("title", "t").put("n", 1));
        Map<String, Stamp> uniform = UniformStamps.of(Map.of("id", a, "title", a, "n", a), fields);
        assertThat(uniform).isInstanceOf(UniformStamps.class);

        SmallStamps copy = SmallStamps.copyOf(uniform, fields, step);
        assertThat(copy).isEqualTo(uniform);
        copy.put("n", b);
        assertThat(copy).containsExactly(Map.entry("id", a), Map.entry("title", a), Map.entry("n", b));
        assertThat(uniform).isEqualTo(Map.of("id", a, "title", a, "n", a));

        SmallStamps own = SmallStamps.empty(1, step);
        own.put("id", a);
        own.put("title", b);
        own.put("n", a);
        own.freeze(fields);
        assertThat(own).containsExactly(Map.entry("id", a), Map.entry("title", b), Map.entry("n", a));
    }

    @Test
    void moreStampsThanItHoldsAreNotCopied() {
        Map<String, Stamp> many = new LinkedHashMap<>();
        for (int i = 0; i <= SmallStamps.MAX; i++) {
            many.put("f" + i, a);
        }
        assertThat(SmallStamps.copyOf(many, Json.object(), step)).isNull();
        many.remove("f0");
        assertThat(SmallStamps.copyOf(many, Json.object(), step)).isEqualTo(many);
    }
}
