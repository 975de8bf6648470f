package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.internal.Json;
import io.scribe.core.spi.ObjectState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A step's staged states and entries keep the order and the last value of each key, one or many. */
class StagedStatesTest {

    private static ObjectState state(String id, String title) {
        return new ObjectState("Task", id, Json.object().put("id", id).put("title", title), Map.of(), null);
    }

    @Test
    void oneKeyThenMoreKeepTheFirstStagedOrderAndTheLastValue() {
        StagedStates states = new StagedStates();
        Key a = new Key("Task", "a");
        Key b = new Key("Task", "b");
        assertThat(states.isEmpty()).isTrue();
        assertThat(states.first()).isNull();
        assertThat(states.put(a, state("a", "1"))).isNull();
        assertThat(states.put(new Key("Task", "a"), state("a", "2"))).isEqualTo(state("a", "1"));
        assertThat(states).hasSize(1).containsEntry(a, state("a", "2"));
        assertThat(states.first()).isEqualTo(state("a", "2"));

        states.put(b, state("b", "1"));
        states.put(a, state("a", "3"));
        assertThat(states.keySet()).containsExactly(a, b);
        assertThat(states.first()).isEqualTo(state("a", "3"));
        assertThat(states.get(b)).isEqualTo(state("b", "1"));
        assertThat(states.containsKey(new Key("Task", "c"))).isFalse();

        states.replaceAll((k, s) -> state(k.id(), "done"));
        List<String> seen = new ArrayList<>();
        states.forEach((k, s) -> seen.add(k.id() + "=" + s.fields().get("title").asText()));
        assertThat(seen).containsExactly("a=done", "b=done");
        assertThat(states).isEqualTo(Map.of(a, state("a", "done"), b, state("b", "done")));
    }

    @Test
    void entriesGrowFromOneInOrder() {
        StagedEntries entries = new StagedEntries();
        assertThat(entries).isEmpty();
        assertThatThrownBy(() -> entries.get(0)).isInstanceOf(IndexOutOfBoundsException.class);
        List<Txn.Entry> added = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Scribe s = new Scribe(null, "Task", Scribe.Type.CREATE, Json.object().put("id", "t" + i), "me", i,
                    Map.of());
            Txn.Entry e = new Txn.Scribed(s, null, null, null);
            entries.add(e);
            added.add(e);
            assertThat(entries).containsExactlyElementsOf(added);
        }
        assertThat(entries.get(2)).isSameAs(added.get(2));
    }
}
