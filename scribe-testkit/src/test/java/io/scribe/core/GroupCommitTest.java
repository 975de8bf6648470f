package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Local writes of several threads are committed together ({@link GroupCommit}): fewer store commits than writes,
 * each writer gets its own scribe or its own error, and a commit the store refuses leaves none of its group visible
 * and fails only the writes the store refuses on their own.
 */
class GroupCommitTest {

    /** Counts commits; the next commit after {@link #hold()} waits for {@link #release}; {@code failIf} fails some. */
    static final class GatedStore extends ForwardingStore {
        final AtomicInteger commits = new AtomicInteger();
        volatile CountDownLatch held;
        volatile CountDownLatch gate;
        volatile java.util.function.Predicate<Commit> failIf;
        volatile long delayMillis;

        GatedStore() {
            super(Store.inMemory());
        }

        /** The next commit waits in the store, holding the engine lock, until {@link #release()}. */
        void hold() {
            held = new CountDownLatch(1);
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            CountDownLatch g = gate;
            if (g != null && held.getCount() > 0) {
                held.countDown();
                await(g);
            }
            if (delayMillis > 0) {
                sleep(delayMillis);
            }
            java.util.function.Predicate<Commit> fail = failIf;
            if (fail != null && fail.test(commit)) {
                throw new IllegalStateException("disk full");
            }
            commits.incrementAndGet();
            return super.commit(commit);
        }
    }

    @Test
    void writersOnManyThreadsShareCommitsAndEachGetsItsOwnScribe() throws Exception {
        GatedStore store = new GatedStore();
        store.delayMillis = 5;
        try (Scriber a = Peers.builder("a").store(store).build(); Scriber hub = Peers.peer("hub")) {
            Session[] link = Peers.direct(a, hub);
            link[0].sync().get(10, TimeUnit.SECONDS);
            link[1].sync().get(10, TimeUnit.SECONDS);
            int threads = 8;
            int each = 25;
            List<Task> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(a.create(new Task("t" + t, "start", 0)));
            }
            int before = store.commits.get();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<Long>>> ids = new ArrayList<>();
            for (Task task : tasks) {
                ids.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 1; i <= each; i++) {
                        task.setPriority(i);
                        mine.add(Long.parseLong(a.save(task).orElseThrow().id()));
                    }
                    return mine;
                }));
            }
            List<Long> all = new ArrayList<>();
            for (Future<List<Long>> f : ids) {
                List<Long> mine = f.get(60, TimeUnit.SECONDS);
                assertThat(mine).as("a writer's scribes are stored in the order it wrote them").isSorted();
                all.addAll(mine);
            }
            pool.shutdown();

            assertThat(all).as("every write has a scribe of its own").doesNotHaveDuplicates().hasSize(threads * each);
            assertThat(store.readAfter(0, 10_000)).filteredOn(s -> s.type() == Scribe.Type.UPDATE)
                    .hasSize(threads * each);
            assertThat(store.commits.get() - before).as("writes that arrived during a commit shared the next one")
                    .isLessThan(threads * each / 2);
            await(() -> Peers.tasks(hub).equals(Peers.tasks(a)));
            assertThat(hub.all(Task.class)).allSatisfy(t -> assertThat(t.priority()).isEqualTo(each));
        }
    }

    @Test
    void aStepThatFailsFailsOnlyItsOwnWrite() throws Exception {
        GatedStore store = new GatedStore();
        try (Scriber a = Peers.builder("a").store(store).wire(Wire.scribe().withMaxFrameBytes(10_000)).build()) {
            Task first = a.create(new Task("first", "x", 0));
            Task second = a.create(new Task("second", "x", 0));
            Task stranger = new Task("stranger", "never created", 0);
            int before = store.commits.get();

            store.hold();
            ExecutorService pool = Executors.newFixedThreadPool(4);
            Future<?> holding = pool.submit(() -> {
                first.setTitle("held");
                a.save(first);
            });
            store.held.await(10, TimeUnit.SECONDS);
            second.setTitle("grouped");
            Future<?> ok = pool.submit(() -> a.save(second));
            Future<?> untracked = pool.submit(() -> a.save(stranger));
            Future<?> tooBig = pool.submit(() -> a.create(new Task("big", "x".repeat(20_000), 0)));
            awaitQueued(a, 3);
            store.release();

            holding.get(10, TimeUnit.SECONDS);
            ok.get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> untracked.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(
                    IllegalStateException.class).hasMessageContaining("not tracked");
            assertThatThrownBy(() -> tooBig.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ScribeException.class)
                    .cause().satisfies(e -> assertThat(((ScribeException) e).code()).isEqualTo(413));
            pool.shutdown();

            assertThat(store.commits.get() - before).as("the held commit, then one for the three queued writes")
                    .isEqualTo(2);
            assertThat(a.find(Task.class, "big")).isEmpty();
            assertThat(store.readAfter(0, 100)).extracting(s -> s.data().toString())
                    .anyMatch(d -> d.contains("grouped")).noneMatch(d -> d.contains("never created"));
        }
    }

    @Test
    void aGroupTheStoreRefusesIsUndoneAndEachWriteTriedAgainAlone() throws Exception {
        GatedStore store = new GatedStore();
        try (Scriber a = Peers.builder("a").store(store).build(); Scriber hub = Peers.peer("hub")) {
            Task kept = a.create(new Task("kept", "before", 0));
            store.failIf = commit -> commit.scribes().stream().anyMatch(s -> s.data().toString().contains("\"lost\""));
            store.hold();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            Future<?> holding = pool.submit(() -> a.create(new Task("holder", "x", 0)));
            store.held.await(10, TimeUnit.SECONDS);
            Task lost = new Task("lost", "new", 0);
            Future<?> create = pool.submit(() -> a.create(lost));
            kept.setTitle("refused");
            Future<java.util.Optional<Scribe>> update = pool.submit(() -> a.save(kept));
            awaitQueued(a, 2);
            store.release();

            holding.get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> create.get(10, TimeUnit.SECONDS)).hasMessageContaining("disk full");
            assertThat(update.get(10, TimeUnit.SECONDS)).as("tried again alone once the group was refused: stored")
                    .isPresent();
            pool.shutdown();
            assertThat(a.find(Task.class, "lost")).as("the refused create is undone").isEmpty();
            assertThat(a.tracks(lost)).isFalse();
            assertThat(store.readAfter(0, 100)).extracting(s -> s.data().toString())
                    .noneMatch(d -> d.contains("\"lost\"")).anyMatch(d -> d.contains("refused"));

            store.failIf = null;
            assertThat(a.create(lost)).isSameAs(lost);
            Session[] link = Peers.direct(a, hub);
            link[1].sync().get(10, TimeUnit.SECONDS);
            assertThat(hub.find(Task.class, "kept")).get().extracting(Task::title).isEqualTo("refused");
            assertThat(hub.find(Task.class, "lost")).isPresent();
            assertThat(Peers.tasks(hub)).isEqualTo(Peers.tasks(a));
        }
    }

    @Test
    void aWriteWhoseChangeAnotherWriteOfTheGroupCarriedFailsWithItWhenTheStoreRefuses() throws Exception {
        GatedStore store = new GatedStore();
        try (Scriber a = Peers.builder("a").store(store).build()) {
            Task shared = a.create(new Task("shared", "before", 0));
            store.failIf = commit -> commit.scribes().stream().anyMatch(s -> s.data().toString().contains("refused"));
            store.hold();
            ExecutorService pool = Executors.newFixedThreadPool(3);
            Future<?> holding = pool.submit(() -> a.create(new Task("holder", "x", 0)));
            store.held.await(10, TimeUnit.SECONDS);
            // Both changes are in the object before either save runs: the first save records both, the second
            // finds nothing left to record.
            shared.setTitle("refused");
            shared.setPriority(7);
            Future<java.util.Optional<Scribe>> first = pool.submit(() -> a.save(shared));
            awaitQueued(a, 1);
            Future<java.util.Optional<Scribe>> second = pool.submit(() -> a.save(shared));
            awaitQueued(a, 2);
            store.release();

            holding.get(10, TimeUnit.SECONDS);
            assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasMessageContaining("disk full");
            assertThatThrownBy(() -> second.get(10, TimeUnit.SECONDS)).as("not a success with nothing recorded")
                    .hasMessageContaining("disk full");
            pool.shutdown();
            assertThat(store.readAfter(0, 100)).extracting(s -> s.data().toString())
                    .noneMatch(d -> d.contains("refused"));
        }
    }

    private static void awaitQueued(Scriber a, int writers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (a.writes.waiting() < writers) {
            assertThat(System.nanoTime()).as("writers waiting for the next group").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 20 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
