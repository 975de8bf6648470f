package io.scribe.docsync.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Scribe;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.docsync.Document;
import io.scribe.docsync.store.SqliteStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The count of a client's own changes its server has not acknowledged, read from its local log. */
class UnacknowledgedTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ME = "c-me";

    @TempDir
    Path dir;

    SqliteStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    /** Appends scribes of {@code origin} creating the documents {@code ids}; returns their log ids. */
    private List<Long> append(String origin, String... ids) {
        List<Scribe> scribes = new ArrayList<>();
        for (String id : ids) {
            scribes.add(new Scribe(null, Document.KLASS, Scribe.Type.CREATE, JSON.createObjectNode().put("id", id),
                    origin, 1, Map.of()));
        }
        return store.commit(new Commit(scribes, List.of(), Map.of())).stream().map(s -> Long.parseLong(s.id()))
                .toList();
    }

    @Test
    void countsOwnChangesAfterThePositionAndPassesOthersBeforeThem() {
        store = SqliteStore.open(dir.resolve("documents.db"));
        append("c-other", "x");
        List<Long> mine = append(ME, "a", "b");
        append("c-other", "y");
        Unacknowledged u = new Unacknowledged(store, ME, 0, to -> true, new Object());

        assertThat(u.count().total()).isEqualTo(2);
        assertThat(u.count().byDocument()).containsOnlyKeys("a", "b");
        // The other client's scribe before the first own one needs no second look.
        assertThat(u.marker()).isEqualTo(mine.get(0) - 1);

        u.acknowledge(mine.get(0));
        assertThat(u.count().total()).isEqualTo(1);
        assertThat(u.count().byDocument()).containsOnlyKeys("b");
        u.acknowledge(mine.get(1));
        assertThat(u.count().total()).isZero();
        u.acknowledge(1);
        assertThat(u.marker()).as("the position never goes back").isGreaterThanOrEqualTo(mine.get(1));
    }

    @Test
    void anAcknowledgementArrivingWhileACountIsMadeIsNotLost() throws Exception {
        store = SqliteStore.open(dir.resolve("documents.db"));
        long created = append(ME, "a").get(0);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch answered = new CountDownLatch(1);
        // A count that reads the log slowly (a busy store, a loaded machine): the server's answer comes meanwhile.
        ForwardingStore slow = new ForwardingStore(store) {
            @Override
            public List<Scribe> readAfter(long afterId, int limit) {
                if (reading.getCount() > 0) {
                    reading.countDown();
                    try {
                        answered.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.readAfter(afterId, limit);
            }
        };
        Unacknowledged u = new Unacknowledged(slow, ME, 0, to -> true, new Object());

        CompletableFuture<Unacknowledged.Count> counting = CompletableFuture.supplyAsync(u::count);
        assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();
        u.acknowledge(created);
        answered.countDown();
        // The count begun before the answer is made again after it: the create is acknowledged.
        assertThat(counting.get(10, TimeUnit.SECONDS).total()).isZero();
        // And the count kept is that one, not one from before the answer (which no later answer would replace: the
        // server's cursor is where the position is already).
        assertThat(u.count().total()).isZero();
        assertThat(u.count().byDocument()).isEmpty();
        u.acknowledge(created);
        assertThat(u.count().total()).isZero();
    }

    @Test
    void aPositionThatCannotBeKeptDoesNotMove() {
        store = SqliteStore.open(dir.resolve("documents.db"));
        long created = append(ME, "a").get(0);
        Unacknowledged u = new Unacknowledged(store, ME, 0, to -> false, new Object());
        u.acknowledge(created);
        assertThat(u.marker()).isZero();
        assertThat(u.count().total()).isEqualTo(1);
    }
}
