package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A scribe a receiver could not store is skipped, kept in its store as failed (a restart still lists it), and stored
 * by {@link Scriber#retryFailed()} once the receiver was fixed: then both sides hold the same objects.
 */
class FailedScribeRetryTest {

    private final Network net = new Network(new Random(15));

    /** A store that cannot keep U+0000 in a scribe (as PostgreSQL's JSONB) until it is fixed. */
    static final class Fixable extends ForwardingStore {
        volatile boolean fixed;

        Fixable() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            for (Scribe s : commit.scribes()) {
                if (!fixed && s.data().toString().contains("\\u0000")) {
                    throw new ScribeException(ScribeException.INTERNAL, "unsupported Unicode escape sequence");
                }
            }
            return super.commit(commit);
        }
    }

    @Test
    void aSkippedScribeIsListedAfterARestartAndStoredByARetryOnceTheStoreIsFixed() {
        Scriber hub = Peers.peer("hub");
        Scriber writer = Peers.peer("writer");
        net.link(writer, hub);
        net.settle();
        writer.create(new Task("before", 1));
        Task poison = writer.create(new Task("a\u0000b", 2));
        writer.create(new Task("after", 3));
        net.settle();

        Fixable store = new Fixable();
        List<FailedScribe> told = new CopyOnWriteArrayList<>();
        Scriber reader = Scriber.builder().clientId("reader").store(store).register(Task.class).pageSize(2)
                .onFailedScribe(told::add).onError(e -> { }).build();
        Network.Link link = net.link(reader, hub);
        net.settle();
        assertThat(reader.all(Task.class)).extracting(Task::title).containsExactlyInAnyOrder("before", "after");
        assertThat(told).singleElement().satisfies(f -> assertThat(f.from()).isEqualTo("hub"));
        assertThat(reader.failedScribes()).isEqualTo(told);
        // Retried before the fix: the store still refuses it, and it stays listed.
        CompletableFuture<List<FailedScribe>> early = reader.retryFailed();
        net.settle();
        assertThat(early).isCompletedWithValue(told);

        // The reader's process ends; the store is fixed (a limit raised, a new version) and it starts again.
        link.cut();
        reader.close();
        store.fixed = true;
        Scriber restarted = Scriber.builder().clientId("reader").store(store).register(Task.class).pageSize(2)
                .onError(e -> { }).build();
        assertThat(restarted.failedScribes()).as("failed scribes after a restart")
                .singleElement().satisfies(f -> {
                    assertThat(f.from()).isEqualTo("hub");
                    assertThat(f.scribeId()).isEqualTo(told.get(0).scribeId());
                    assertThat(f.klass()).isEqualTo("Task");
                });
        net.link(restarted, hub);
        net.settle();
        CompletableFuture<List<FailedScribe>> retried = restarted.retryFailed();
        net.settle();

        assertThat(retried).isCompletedWithValue(List.of());
        assertThat(restarted.find(Task.class, poison.id())).get().extracting(Task::title).isEqualTo("a\u0000b");
        assertThat(Peers.tasks(restarted)).isEqualTo(Peers.tasks(hub));
        // Stored for good: a further restart lists nothing.
        Scriber again = Scriber.builder().clientId("reader-check").store(store).register(Task.class).build();
        assertThat(again.failedScribes()).isEmpty();
        assertThat(Peers.tasks(again)).isEqualTo(Peers.tasks(hub));
    }
}
