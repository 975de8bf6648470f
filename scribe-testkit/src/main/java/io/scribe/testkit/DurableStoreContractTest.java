package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
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

    /**
     * A server on this store compacts under a steady load: the log stays a few scribes long, the compaction and the
     * removed tombstone survive a restart, and a client that joins the restarted server gets a snapshot and ends
     * with every object.
     */
    @Test
    void aServerCompactsRestartsAndALateJoinerConverges() throws Exception {
        Scriber hub = Scriber.builder().clientId("server").store(store).register(CrashPeer.Note.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(CrashPeer.Note.class).build();
        Network net = new Network(new java.util.Random(11));
        net.link(a, hub);
        net.settle();
        List<CrashPeer.Note> notes = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) {
            notes.add(a.create(new CrashPeer.Note(null, "note " + i)));
        }
        net.settle();
        long longest = 0;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 5; i++) {
                CrashPeer.Note n = notes.get(i);
                n.text = "round " + round;
                a.save(n);
            }
            net.settle();
            hub.compact();
            net.settle();
            hub.compact();
            longest = Math.max(longest, store.readAfter(0, 10_000).size());
        }
        a.destroy(notes.get(19));
        net.settle();
        hub.compact();
        net.settle();
        hub.compact();
        long lastId = store.lastId();
        assertThat(lastId).isEqualTo(71);
        assertThat(longest).as("scribes left in the log after each round's compaction").isLessThanOrEqualTo(5);
        assertThat(store.readAfter(0, 10_000)).isEmpty();
        assertThat(store.object("Note", notes.get(19).id)).isEmpty();
        String expected = CrashPeer.dump(hub.all(CrashPeer.Note.class)).toString();
        a.close();
        hub.close();

        store = reopen(store);
        Scriber restarted = Scriber.builder().clientId("server").store(store).register(CrashPeer.Note.class).build();
        Scriber late = Scriber.builder().clientId("late").store(Store.inMemory()).register(CrashPeer.Note.class)
                .build();
        try {
            assertThat(store.lastId()).isEqualTo(lastId);
            assertThat(store.readAfter(0, 10_000)).isEmpty();
            Network again = new Network(new java.util.Random(12));
            again.link(late, restarted);
            again.settle();
            assertThat(CrashPeer.dump(late.all(CrashPeer.Note.class)).toString()).isEqualTo(expected);
            assertThat(late.all(CrashPeer.Note.class)).hasSize(19);
            late.create(new CrashPeer.Note(null, "after the restart"));
            again.settle();
            assertThat(store.lastId()).isEqualTo(lastId + 1);
            assertThat(restarted.all(CrashPeer.Note.class)).hasSize(20);
        } finally {
            late.close();
            restarted.close();
        }
    }
}
