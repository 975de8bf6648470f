package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scribe;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The in-memory store keeps its log by the scribes' parts ({@code LogColumns}): every shape of scribe is read back
 * equal to what was committed, under its position, also across the log's chunks and after compaction dropped part
 * of one.
 */
class MemoryStoreLogTest {

    private static final String[] BALANCE = {"balance"};

    /** Scribe number {@code n} of a mix of every shape: data that is a pair or not, each kind of base, no origin. */
    private static Scribe shape(int n) {
        String id = "o" + n;
        return switch (n % 8) {
            case 0 -> new Scribe(null, "Task", Scribe.Type.CREATE,
                    Json.NODES.arrayNode().add(id).add(Json.object().put("title", "t" + n).put("done", false)),
                    "peer-a", 1000L + n, null);
            case 1 -> new Scribe(null, "Task", Scribe.Type.UPDATE,
                    Json.pair(Json.NODES.textNode(id), Json.object().put("done", true)), "peer-b", 1000L + n,
                    OneBase.of("done", 999L + n));
            case 2 -> new Scribe(null, "Task", Scribe.Type.UPDATE,
                    Json.NODES.arrayNode().add(id).add(Json.object().put("a", n).put("b", "x")), "peer-a", 1000L + n,
                    Map.of("a", 5L, "b", 6L));
            case 3 -> new Scribe(null, "Task", Scribe.Type.DESTROY, Json.NODES.arrayNode().add(id), "peer-b",
                    1000L + n, null);
            case 4 -> new Scribe(null, "Note", Scribe.Type.CREATE,
                    Json.NODES.arrayNode().add(id).add(1).add(Json.NODES.nullNode()), null, 0, null);
            case 5 -> new Scribe(null, "Note", Scribe.Type.UPDATE, Json.object().put("id", id).put("text", "v"),
                    "peer-c", 1000L + n, Map.of("text", 3L));
            case 6 -> new Scribe(null, "Note", Scribe.Type.UPDATE, Json.NODES.textNode(id), "peer-c", -1L, Map.of());
            // A recorded update of one field: its changed fields held over a key array shared by such updates.
            default -> new Scribe(null, "Task", Scribe.Type.UPDATE,
                    Json.pair(Json.NODES.textNode(id), HeldNode.single(BALANCE, Json.NODES.numberNode(10L * n))),
                    "peer-a", 1000L + n, OneBase.of("balance", 998L + n));
        };
    }

    private static void assertReadBack(Store store, List<Scribe> committed, long removed) {
        List<Scribe> read = new ArrayList<>();
        long after = removed;
        List<Scribe> page;
        while (!(page = store.readAfter(after, 700)).isEmpty()) {
            read.addAll(page);
            after = Long.parseLong(page.get(page.size() - 1).id());
        }
        assertThat(read).hasSize((int) (committed.size() - removed));
        for (int i = 0; i < read.size(); i++) {
            int at = (int) removed + i;
            assertThat(read.get(i)).isEqualTo(committed.get(at).withId(Long.toString(at + 1L)));
        }
    }

    @Test
    void everyShapeIsReadBackAsCommittedAcrossChunksAndCompactions() {
        Store store = Store.inMemory();
        List<Scribe> committed = new ArrayList<>();
        for (int n = 0; n < 3000; n++) {
            Scribe s = shape(n);
            committed.add(s);
            Scribe stored = n % 2 == 0
                    ? store.commitOne(s, new ObjectState(s.klass(), "o" + n, Json.object(), Map.of(), null))
                    : store.commit(new Commit(List.of(s), List.of(), Map.of())).get(0);
            assertThat(stored).isEqualTo(s.withId(Long.toString(n + 1L)));
            assertThat(stored.base()).isEqualTo(s.base());
        }
        assertReadBack(store, committed, 0);
        // A read keeps the base's and the data's kinds as maps and nodes equal to the committed ones.
        Scribe one = store.readAfter(1, 1).get(0);
        assertThat(one.base()).isEqualTo(Map.of("done", 1000L)).containsEntry("done", 1000L);
        assertThat(one.data().get(1).get("done").asBoolean()).isTrue();
        // A one-field update kept by its value alone reads back as the one-member object it was.
        Scribe single = store.readAfter(7, 1).get(0);
        assertThat(single.data().get(1).size()).isEqualTo(1);
        assertThat(single.data().get(1).get("balance").longValue()).isEqualTo(70L);
        assertThat(single.data().toString()).isEqualTo("[\"o7\",{\"balance\":70}]");

        // Part of the first chunk, then into the third, then all of it.
        for (long upTo : new long[] {5, 1023, 1024, 1025, 2500, 3000}) {
            assertThat(store.compact(upTo, List.of())).isTrue();
            assertThat(store.lastId()).isEqualTo(3000);
            assertReadBack(store, committed, upTo);
        }
        // Appends after everything was compacted continue the ids.
        Scribe next = shape(1);
        committed.add(next);
        assertThat(store.commit(new Commit(List.of(next), List.of(), Map.of())).get(0).id()).isEqualTo("3001");
        assertReadBack(store, committed, 3000);
    }
}
