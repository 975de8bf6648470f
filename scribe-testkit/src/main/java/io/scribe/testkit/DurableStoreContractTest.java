package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scribe;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The contract of a {@link Store} that keeps its data across restarts: everything {@link StoreContractTest} asks, and
 * that a reopened store holds what was committed and goes on with the next ids.
 */
public abstract class DurableStoreContractTest extends StoreContractTest {

    /** Closes {@code store} and opens the same data again, as a restarted process would. */
    protected abstract Store reopen(Store store) throws Exception;

    @Test
    void everythingSurvivesAReopenAndIdsContinue() throws Exception {
        store.commit(new Commit(List.of(scribe("Task", "1", "one", 1), scribe("Task", "2", "two", 2)),
                List.of(state("Task", "1", "one", 1)), Map.of("server", "abc")));
        store = reopen(store);
        assertThat(store.lastId()).isEqualTo(2);
        assertThat(store.readAfter(0, 10)).extracting(s -> s.data().get("title").asText()).containsExactly("one", "two");
        assertThat(store.cursor("server")).contains("abc");
        assertThat(store.object("Task", "1")).contains(state("Task", "1", "one", 1));
        assertThat(store.commit(append(scribe("Task", "3", "three", 3)))).extracting(Scribe::id).containsExactly("3");
    }

    @Test
    void compactionSurvivesAReopen() throws Exception {
        for (int i = 1; i <= 5; i++) {
            store.commit(append(scribe("Task", "o" + i, "t" + i, i)));
        }
        ObjectState tomb = new ObjectState("Task", "dead", state("Task", "dead", "x", 1).fields().retain("id"),
                Map.of(), new Stamp(4, "peer-b"));
        store.commit(new Commit(List.of(), List.of(tomb), Map.of()));
        assertThat(store.compact(5, List.of(tomb))).isTrue();
        store = reopen(store);
        assertThat(store.lastId()).isEqualTo(5);
        assertThat(store.readAfter(0, 10)).isEmpty();
        assertThat(store.object("Task", "dead")).isEmpty();
        assertThat(store.commit(append(scribe("Task", "6", "six", 6)))).extracting(Scribe::id).containsExactly("6");
        assertThat(store.readAfter(0, 10)).extracting(Scribe::id).containsExactly("6");
    }
}
