package io.scribe.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scribe;
import io.scribe.core.internal.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A forwarding store's stored scribes follow what it reads: its own readAfter when it overrides it. */
class ForwardingStoreTest {

    private static Scribe scribe(String klass, String id) {
        return new Scribe(null, klass, Scribe.Type.CREATE, Json.object().put("id", id), "peer", 1, Map.of());
    }

    private static Store storeOfThree() {
        Store store = Store.inMemory();
        store.commit(new Commit(List.of(scribe("Task", "a"), scribe("Secret", "s"), scribe("Task", "b")), List.of(),
                Map.of()));
        return store;
    }

    @Test
    void storedScribesComeFromTheDelegateUnlessReadAfterIsOverridden() {
        Store plain = new ForwardingStore(storeOfThree()) {};
        assertThat(plain.readStoredAfter(0, 10)).extracting(StoredScribe::id).containsExactly(1L, 2L, 3L);

        Store filtering = new ForwardingStore(storeOfThree()) {
            @Override
            public List<Scribe> readAfter(long afterId, int limit) {
                return delegate.readAfter(afterId, limit).stream().filter(s -> !s.klass().equals("Secret")).toList();
            }
        };
        List<StoredScribe> stored = filtering.readStoredAfter(0, 10);
        assertThat(stored).extracting(StoredScribe::id).containsExactly(1L, 3L);
        assertThat(stored).extracting(s -> Codec.json().decodeScribe(s.json()).klass()).containsOnly("Task");
    }

    @Test
    void commitOneGoesThroughAnOverriddenCommit() {
        List<Commit> seen = new java.util.ArrayList<>();
        Store counting = new ForwardingStore(Store.inMemory()) {
            @Override
            public List<Scribe> commit(Commit commit) {
                seen.add(commit);
                return delegate.commit(commit);
            }
        };
        ObjectState state = new ObjectState("Task", "a", Json.object().put("id", "a"), Map.of(), null);
        Scribe stored = counting.commitOne(scribe("Task", "a"), state);

        assertThat(stored.id()).isEqualTo("1");
        assertThat(seen).hasSize(1);
        assertThat(seen.get(0).scribes()).extracting(Scribe::klass).containsExactly("Task");
        assertThat(seen.get(0).objects()).containsExactly(state);
        assertThat(counting.object("Task", "a")).contains(state);
    }
}
