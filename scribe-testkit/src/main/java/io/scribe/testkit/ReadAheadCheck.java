package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a store's {@link Store#forEachObject} when it reads ahead on a thread of its own ({@link
 * io.scribe.core.spi.ReadAhead}): every state handed over once, on the calling thread, while the reading thread runs;
 * an action that fails stops that thread, and the store reads again after it.
 */
public final class ReadAheadCheck {

    private ReadAheadCheck() {}

    /** Commits {@code n} states (one in seven a tombstone) in commits of 5,000; returns them by id. */
    public static Map<String, ObjectState> fill(Store store, int n) {
        Map<String, ObjectState> states = new HashMap<>();
        List<ObjectState> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            var fields = JsonNodeFactory.instance.objectNode().put("id", "o" + i).put("title", "t" + i);
            ObjectState state = new ObjectState("Task", "o" + i, fields,
                    Map.of("id", new Stamp(i + 1, "p"), "title", new Stamp(i + 2, "q", i + 1)),
                    i % 7 == 0 ? new Stamp(i + 3, "q") : null);
            states.put(state.id(), state);
            batch.add(state);
            if (batch.size() == 5_000 || i == n - 1) {
                store.commit(new Commit(List.of(), List.copyOf(batch), Map.of()));
                batch.clear();
            }
        }
        return states;
    }

    /** Whether a thread whose name starts with {@code prefix} is alive. */
    public static boolean readerAlive(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith(prefix));
    }

    /**
     * Asserts that {@code store} hands over exactly {@code expected}, each once, on the calling thread, while a thread
     * named {@code readerPrefix}... reads; then that an action failing at the tenth state stops that thread and the
     * next read hands over every state again.
     */
    public static void check(Store store, Map<String, ObjectState> expected, String readerPrefix) {
        Thread caller = Thread.currentThread();
        Map<String, ObjectState> seen = new HashMap<>();
        Set<Thread> threads = new HashSet<>();
        boolean[] readerSeen = {false};
        store.forEachObject(o -> {
            threads.add(Thread.currentThread());
            readerSeen[0] = readerSeen[0] || readerAlive(readerPrefix);
            assertThat(seen.put(o.id(), o)).isNull();
        });
        assertThat(threads).containsExactly(caller);
        assertThat(readerSeen[0]).as("a thread %s... read ahead", readerPrefix).isTrue();
        assertThat(seen).isEqualTo(expected);
        assertThat(readerAlive(readerPrefix)).isFalse();

        int[] handed = {0};
        assertThatThrownBy(() -> store.forEachObject(o -> {
            if (++handed[0] == 10) {
                throw new IllegalStateException("restore failed at 10");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("restore failed at 10");
        assertThat(handed[0]).isEqualTo(10);
        assertThat(readerAlive(readerPrefix)).isFalse();
        int[] again = {0};
        store.forEachObject(o -> again[0]++);
        assertThat(again[0]).isEqualTo(expected.size());
    }
}
