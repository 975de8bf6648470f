package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.internal.Json;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A Scriber restarted on a store whose values read back as other JSON node types than it wrote. */
class RestoreTest {

    static final class Counter {
        String id;
        String title;
        long count;

        Counter() {}
    }

    @Test
    void aLongFieldStoredAsASmallNumberIsNotRecordedAgainByTheNextSave() {
        Store store = Store.inMemory();
        // What a JSON store gives back for a long 7: an int node.
        store.commit(new Commit(List.of(), List.of(new ObjectState("Counter", "c1",
                Json.object().put("id", "c1").put("title", "t").put("count", 7),
                Map.of("id", new Stamp(5, "a"), "title", new Stamp(5, "a"), "count", new Stamp(6, "server")),
                null)), Map.of()));
        Scriber restarted = Scriber.builder().clientId("a").store(store).register(Counter.class).build();
        Counter c = restarted.find(Counter.class, "c1").orElseThrow();
        assertThat(c.count).isEqualTo(7);
        // The store keeps what it stored: the held state was normalised in a copy.
        assertThat(store.object("Counter", "c1").orElseThrow().fields().get("count").isInt()).isTrue();
        c.title = "changed";
        Scribe update = restarted.save(c).orElseThrow();
        assertThat(update.data().get(1).toString()).isEqualTo("{\"title\":\"changed\"}");
        assertThat(update.base()).containsOnlyKeys("title");
        restarted.close();
    }
}
