package io.scribe.testkit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoredScribe;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link Store} passes. Subclass it in the store's module and create a fresh isolated store in
 * {@link #newStore()} (own directory, key prefix or schema); a durable store subclasses {@link
 * DurableStoreContractTest}, which adds the restart tests.
 */
public abstract class StoreContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    protected Store store;

    /** A new, empty store, isolated from every other test. */
    protected abstract Store newStore() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    protected static Scribe scribe(String klass, String objectId, String title, long clock) {
        ObjectNode data = JSON.createObjectNode().put("id", objectId).put("title", title);
        return new Scribe(null, klass, Scribe.Type.CREATE, data, "peer-a", clock, Map.of());
    }

    protected static ObjectState state(String klass, String id, String title, long clock) {
        ObjectNode fields = JSON.createObjectNode().put("id", id).put("title", title);
        return new ObjectState(klass, id, fields,
                Map.of("id", new Stamp(clock, "peer-a"), "title", new Stamp(clock, "peer-a", clock - 1)), null);
    }

    protected static Commit append(Scribe... scribes) {
        return new Commit(List.of(scribes), List.of(), Map.of());
    }

    @Test
    void emptyStoreHasNothing() {
        assertThat(store.lastId()).isZero();
        assertThat(store.readAfter(0, 10)).isEmpty();
        assertThat(store.cursor("nobody")).isEmpty();
        assertThat(store.object("Task", "1")).isEmpty();
        List<ObjectState> all = new ArrayList<>();
        store.forEachObject(all::add);
        assertThat(all).isEmpty();
    }

    /** Whether {@link Store#objectCount()} is exact for this store (not an estimate, nor -1). Default: no. */
    protected boolean countsObjectsExactly() {
        return false;
    }

    @Test
    void objectCountIsExactWhereTheStoreSaysSoAndNeverBelowMinusOne() {
        store.commit(new Commit(List.of(), List.of(state("Task", "a", "one", 10), state("Task", "b", "two", 11),
                state("Task", "a", "one again", 12)), Map.of()));
        long count = store.objectCount();
        if (countsObjectsExactly()) {
            assertThat(count).isEqualTo(2);
        } else {
            assertThat(count).isGreaterThanOrEqualTo(-1);
        }
    }

    @Test
    void appendedScribesGetIncreasingIdsFromOne() {
        List<Scribe> first = store.commit(append(scribe("Task", "a", "one", 10), scribe("Task", "b", "two", 11)));
        List<Scribe> second = store.commit(append(scribe("Task", "c", "three", 12)));
        assertThat(first).extracting(Scribe::id).containsExactly("1", "2");
        assertThat(second).extracting(Scribe::id).containsExactly("3");
        assertThat(store.lastId()).isEqualTo(3);
    }

    @Test
    void scribesRoundTripEveryComponent() {
        JsonNode data = JSON.createArrayNode().add(600).add(JSON.createObjectNode().put("title", "café ☃ \uD834\uDD1E"));
        Scribe update = new Scribe(null, "Test", Scribe.Type.UPDATE, data, "origin-guid", 123456789L << 16,
                Map.of("title", 42L));
        Scribe destroy = new Scribe(null, "Test", Scribe.Type.DESTROY, JSON.createArrayNode().add("x"), null, 0,
                Map.of());
        store.commit(append(update, destroy));
        List<Scribe> read = store.readAfter(0, 10);
        assertThat(read).hasSize(2);
        assertThat(read.get(0)).isEqualTo(update.withId("1"));
        assertThat(read.get(1)).isEqualTo(destroy.withId("2"));
    }

    @Test
    void storedScribesAreTheLogAsReadWithoutTheirIds() throws Exception {
        JsonNode data = JSON.createArrayNode().add(600).add(JSON.createObjectNode().put("title", "café ☃ \uD834\uDD1E"));
        store.commit(append(scribe("Task", "o1", "first", 7),
                new Scribe(null, "Test", Scribe.Type.UPDATE, data, "origin-guid", 123456789L << 16,
                        Map.of("title", 42L, "done", 3L)),
                new Scribe(null, "Test", Scribe.Type.DESTROY, JSON.createArrayNode().add("x"), null, 0, Map.of())));
        for (long after = 0; after <= 3; after++) {
            for (int limit = 1; limit <= 4; limit++) {
                List<Scribe> read = store.readAfter(after, limit);
                List<StoredScribe> stored = store.readStoredAfter(after, limit);
                assertThat(stored).extracting(s -> Long.toString(s.id()))
                        .isEqualTo(read.stream().map(Scribe::id).toList());
                for (int i = 0; i < stored.size(); i++) {
                    byte[] json = stored.get(i).json();
                    // The stored bytes are the scribe without its id, in Codec.json()'s encoding.
                    assertThat(JSON.readTree(json).has("id")).as("an id in %s", new String(json, UTF_8)).isFalse();
                    assertThat(Codec.json().decodeScribe(json).withId(read.get(i).id())).isEqualTo(read.get(i));
                }
            }
        }
    }

    /** A synced class for the catch-up through this store. */
    @io.scribe.annotations.Synced(explicit = true)
    public static class Note {
        String id;
        String title;
        List<String> tags;

        Note() {}

        Note(String id, String title, List<String> tags) {
            this.id = id;
            this.title = title;
            this.tags = tags;
        }
    }

    @Test
    void aNewPeerCatchesUpFromThisStoresLog() {
        try (TestNetwork net = new TestNetwork(11)) {
            io.scribe.core.Scriber hub = net.peer("hub", b -> b.store(store).register(Note.class).pageSize(2));
            Note first = hub.create(new Note("n1", "café ☃ \uD834\uDD1E \"quoted\"", List.of("a", "b")));
            Note gone = hub.create(new Note("n2", "to be destroyed", List.of()));
            hub.create(new Note("n3", "third", List.of("c")));
            first.title = "changed ✓";
            first.tags = List.of("b");
            hub.save(first);
            hub.destroy(gone);

            io.scribe.core.Scriber late = net.peer("late", b -> b.register(Note.class));
            net.link(late, hub);
            net.settle();

            assertThat(late.all(Note.class)).extracting(n -> n.id + "|" + n.title + "|" + n.tags)
                    .containsExactlyInAnyOrder("n1|changed ✓|[b]", "n3|third|[c]");
            assertThat(late.find(Note.class, "n2")).isEmpty();
        }
    }

    @Test
    void readAfterPagesInAscendingOrder() {
        for (int i = 0; i < 25; i++) {
            store.commit(append(scribe("Task", "o" + i, "t" + i, 100 + i)));
        }
        List<String> seen = new ArrayList<>();
        long after = 0;
        while (true) {
            List<Scribe> page = store.readAfter(after, 7);
            assertThat(page.size()).isLessThanOrEqualTo(7);
            if (page.isEmpty()) {
                break;
            }
            for (Scribe s : page) {
                seen.add(s.data().get("id").asText());
                after = Long.parseLong(s.id());
            }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            expected.add("o" + i);
        }
        assertThat(seen).isEqualTo(expected);
        assertThat(store.readAfter(25, 10)).isEmpty();
        assertThat(store.readAfter(24, 10)).extracting(Scribe::id).containsExactly("25");
        assertThat(store.readAfter(1000, 10)).isEmpty();
    }

    @Test
    void cursorsAreSetAndReplaced() {
        store.commit(new Commit(List.of(), List.of(), Map.of("server", "17", "syncro", "e81a8e15943bec76d8ed46e763")));
        store.commit(new Commit(List.of(), List.of(), Map.of("server", "18")));
        assertThat(store.cursor("server")).contains("18");
        assertThat(store.cursor("syncro")).contains("e81a8e15943bec76d8ed46e763");
        assertThat(store.cursor("other")).isEmpty();
    }

    @Test
    void anEmptyCursorForgetsTheClient() {
        store.commit(new Commit(List.of(), List.of(), Map.of("gone", "5", "kept", "6")));
        store.commit(new Commit(List.of(), List.of(), Map.of("gone", "")));
        assertThat(store.cursor("gone")).isEmpty();
        assertThat(store.cursor("kept")).contains("6");
        // Forgetting a client that has no cursor is harmless.
        store.commit(new Commit(List.of(), List.of(), Map.of("never", "")));
        assertThat(store.cursor("never")).isEmpty();
    }

    @Test
    void objectStatesAreUpsertedAndTombstonesKept() {
        store.commit(new Commit(List.of(), List.of(state("Task", "1", "first", 5), state("Task", "2", "x", 6)),
                Map.of()));
        store.commit(new Commit(List.of(), List.of(state("Task", "1", "second", 7)), Map.of()));
        ObjectNode idOnly = JSON.createObjectNode().put("id", "2");
        ObjectState tomb = new ObjectState("Task", "2", idOnly, Map.of(), new Stamp(9, "peer-b"));
        store.commit(new Commit(List.of(), List.of(tomb), Map.of()));

        assertThat(store.object("Task", "1")).contains(state("Task", "1", "second", 7));
        assertThat(store.object("Task", "2")).contains(tomb);
        assertThat(store.object("Other", "1")).isEmpty();
        Set<String> ids = new HashSet<>();
        store.forEachObject(o -> ids.add(o.klass() + "/" + o.id() + (o.destroyed() ? "+" : "")));
        assertThat(ids).containsExactlyInAnyOrder("Task/1", "Task/2+");
    }

    @Test
    void commitOneAppendsTheScribeAndUpsertsItsObjectAfterEarlierCommits() {
        store.commit(new Commit(List.of(scribe("Task", "1", "one", 10)), List.of(state("Task", "1", "one", 10)),
                Map.of()));
        Scribe second = store.commitOne(scribe("Task", "1", "uno", 11), state("Task", "1", "uno", 11));
        Scribe third = store.commitOne(scribe("Task", "2", "two", 12), state("Task", "2", "two", 12));

        assertThat(second.id()).isEqualTo("2");
        assertThat(third.id()).isEqualTo("3");
        assertThat(third.data().get("title").asText()).isEqualTo("two");
        assertThat(store.readAfter(0, 10)).extracting(Scribe::id).containsExactly("1", "2", "3");
        assertThat(store.readAfter(1, 10).get(0).data().get("title").asText()).isEqualTo("uno");
        assertThat(store.object("Task", "1")).contains(state("Task", "1", "uno", 11));
        assertThat(store.object("Task", "2")).contains(state("Task", "2", "two", 12));
        assertThat(store.lastId()).isEqualTo(3);
        if (countsObjectsExactly()) {
            assertThat(store.objectCount()).isEqualTo(2);
        }
    }

    @Test
    void oneCommitWritesScribesStatesAndCursorsTogether() {
        List<Scribe> stored = store.commit(new Commit(List.of(scribe("Task", "9", "nine", 50)),
                List.of(state("Task", "9", "nine", 50)), Map.of("peer-a", "4")));
        assertThat(stored).extracting(Scribe::id).containsExactly("1");
        assertThat(store.readAfter(0, 5)).hasSize(1);
        assertThat(store.object("Task", "9")).isPresent();
        assertThat(store.cursor("peer-a")).contains("4");
    }

    @Test
    void cursorsAreListedByPrefix() {
        store.commit(new Commit(List.of(), List.of(), Map.of("~acknowledged/a", "3", "~acknowledged/b", "5;99",
                "~acknowledgedX", "1", "peer-a", "7")));
        assertThat(store.cursors("~acknowledged/"))
                .isEqualTo(Map.of("~acknowledged/a", "3", "~acknowledged/b", "5;99"));
        store.commit(new Commit(List.of(), List.of(), Map.of("~acknowledged/a", "")));
        assertThat(store.cursors("~acknowledged/")).isEqualTo(Map.of("~acknowledged/b", "5;99"));
        assertThat(store.cursors("nothing-here/")).isEmpty();
    }

    @Test
    void compactionRemovesTheLogHeadAndTombstonesAndKeepsTheIds() {
        for (int i = 1; i <= 10; i++) {
            store.commit(append(scribe("Task", "o" + i, "t" + i, i)));
        }
        ObjectState tomb = new ObjectState("Task", "dead", JSON.createObjectNode().put("id", "dead"), Map.of(),
                new Stamp(4, "peer-b"));
        ObjectState revived = state("Task", "alive", "back", 8);
        store.commit(new Commit(List.of(), List.of(tomb, state("Task", "o1", "t1", 1), revived), Map.of("c", "2")));
        ObjectState staleTomb = new ObjectState("Task", "alive", JSON.createObjectNode().put("id", "alive"),
                Map.of(), new Stamp(3, "peer-b"));

        assertThat(store.compact(6, List.of(tomb, staleTomb))).isTrue();

        assertThat(store.lastId()).isEqualTo(10);
        assertThat(store.readAfter(0, 100)).extracting(Scribe::id).containsExactly("7", "8", "9", "10");
        assertThat(store.readAfter(3, 2)).extracting(Scribe::id).containsExactly("7", "8");
        assertThat(store.readAfter(8, 100)).extracting(Scribe::id).containsExactly("9", "10");
        assertThat(store.readStoredAfter(3, 2)).extracting(StoredScribe::id).containsExactly(7L, 8L);
        assertThat(store.object("Task", "dead")).isEmpty();
        // Only a state that is still a tombstone goes; live objects and cursors stay.
        assertThat(store.object("Task", "alive")).contains(revived);
        assertThat(store.object("Task", "o1")).isPresent();
        assertThat(store.cursor("c")).contains("2");
        assertThat(store.commit(append(scribe("Task", "n", "next", 11)))).extracting(Scribe::id).containsExactly("11");

        // Compacting everything keeps the id sequence going.
        assertThat(store.compact(11, List.of())).isTrue();
        assertThat(store.readAfter(0, 100)).isEmpty();
        assertThat(store.lastId()).isEqualTo(11);
        assertThat(store.commit(append(scribe("Task", "m", "more", 12)))).extracting(Scribe::id).containsExactly("12");
        assertThat(store.readAfter(0, 100)).extracting(Scribe::id).containsExactly("12");
    }

    @Test
    void rejectsANonPositiveLimit() {
        assertThatThrownBy(() -> store.readAfter(0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.readStoredAfter(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concurrentCommitsGetDistinctContiguousIds() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Scribe>>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Scribe> mine = new ArrayList<>();
                    for (int i = 0; i < 25; i++) {
                        mine.addAll(store.commit(append(scribe("Task", thread + "-" + i, "t", i + 1))));
                    }
                    return mine;
                }));
            }
            Set<String> ids = new HashSet<>();
            for (Future<List<Scribe>> f : futures) {
                f.get(60, TimeUnit.SECONDS).forEach(s -> ids.add(s.id()));
            }
            assertThat(ids).hasSize(100);
            assertThat(store.lastId()).isEqualTo(100);
            assertThat(store.readAfter(0, 1000)).extracting(Scribe::id).doesNotHaveDuplicates().hasSize(100);
        } finally {
            pool.shutdownNow();
        }
    }

}
