package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The recorded setter's one-scribe step: a local update of one field or of a few, written through
 * {@link Store#commitOne}, with its stamps as SmallStamps and its changed fields in a bit mask.
 */
class OneScribeStepTest {

    private static Scriber peer(String id, Store store) {
        return Scriber.builder().clientId(id).store(store).register(Wide.class).register(Wide64.class)
                .register(Task.class).build();
    }

    /** Fails every commit while {@link #failing} is set; counts the commits that reach it. */
    static final class Refusing extends ForwardingStore {
        volatile boolean failing;
        int commits;

        Refusing() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (failing) {
                throw new ScribeException(ScribeException.INTERNAL, "disk full");
            }
            commits++;
            return super.commit(commit);
        }
    }

    private static void assertSameStates(Scriber a, Scriber b, String klass, String id) {
        ObjectState sa = a.store().object(klass, id).orElseThrow();
        ObjectState sb = b.store().object(klass, id).orElseThrow();
        assertThat(sb.fields()).isEqualTo(sa.fields());
    }

    /** Waits up to 10 seconds for b's state of the object to equal a's. */
    private static void awaitSameStates(Scriber a, Scriber b, String klass, String id) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until && !a.store().object(klass, id).map(ObjectState::fields)
                .equals(b.store().object(klass, id).map(ObjectState::fields))) {
            Thread.sleep(5);
        }
    }

    @Test
    void updatesOfClassesAtAndPastSixtyFourFieldsCarryExactlyTheChangedFieldsAndConverge() throws Exception {
        try (Scriber a = peer("a", Store.inMemory()); Scriber b = peer("b", Store.inMemory())) {
            Session[] link = Peers.direct(a, b);
            link[0].sync().get(10, TimeUnit.SECONDS);
            link[1].sync().get(10, TimeUnit.SECONDS);
            Wide wide = a.create(new Wide("w"));
            Wide64 narrow = a.create(new Wide64("n"));
            int[][] changes = {{0}, {31}, {32}, {62}, {63}, {64}, {69}, {0, 31, 32, 63, 64, 69}, {5, 6, 7, 8, 9, 10,
                    11, 12, 13, 14, 15, 16, 17, 18, 19, 20}};
            int v = 1;
            for (int[] fields : changes) {
                for (int f : fields) {
                    wide.set(f, v);
                }
                Scribe s = a.save(wide).orElseThrow();
                List<String> names = new ArrayList<>();
                s.data().get(1).fieldNames().forEachRemaining(names::add);
                List<String> expected = new ArrayList<>();
                for (int f : fields) {
                    expected.add("f" + f);
                }
                assertThat(names).as("changed fields of %s", java.util.Arrays.toString(fields))
                        .containsExactlyElementsOf(expected);
                assertThat(s.base().keySet()).containsExactlyInAnyOrderElementsOf(expected);
                ObjectState held = a.store().object("Wide", "w").orElseThrow();
                for (int f : fields) {
                    assertThat(held.fields().get("f" + f).asInt()).isEqualTo(v);
                    assertThat(held.stamps().get("f" + f).clock()).isEqualTo(s.clock());
                }
                v++;
                for (int f : fields) {
                    narrow.set(f % 63, v);
                }
                Scribe n = a.save(narrow).orElseThrow();
                assertThat(n.data().get(1).size()).isPositive();
                v++;
            }
            assertSameStates(a, b, "Wide", "w");
            assertSameStates(a, b, "Wide64", "n");
            Wide there = b.find(Wide.class, "w").orElseThrow();
            for (int f = 0; f < 70; f++) {
                assertThat(there.get(f)).as("f%s", f).isEqualTo(wide.get(f));
            }
        }
    }

    @Test
    void aHeldStatesStampsAreFrozenAndNotChangedByTheNextUpdate() {
        try (Scriber a = peer("a", Store.inMemory())) {
            Task task = a.create(new Task("t1", "one", 1));
            task.setTitle("two");
            a.save(task);
            ObjectState first = a.store().object("Task", "t1").orElseThrow();
            Map<String, Stamp> firstStamps = Map.copyOf(first.stamps());
            assertThatThrownBy(() -> first.stamps().put("title", new Stamp(1, "x")))
                    .isInstanceOf(UnsupportedOperationException.class);
            task.setTitle("three");
            a.save(task);
            task.setPriority(7);
            a.save(task);
            assertThat(first.stamps()).isEqualTo(firstStamps);
            assertThat(first.fields().get("title").asText()).isEqualTo("two");
            ObjectState last = a.store().object("Task", "t1").orElseThrow();
            assertThatThrownBy(() -> last.stamps().put("title", new Stamp(1, "x")))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(last.stamps().get("title").clock()).isLessThan(last.stamps().get("priority").clock());
        }
    }

    @Test
    void theChangedNodesOfOneFieldShareNoKeysOneCanCorrupt() {
        try (Scriber a = peer("a", Store.inMemory())) {
            Task t1 = a.create(new Task("t1", "one", 1));
            Task t2 = a.create(new Task("t2", "one", 1));
            t1.setTitle("x");
            Scribe s1 = a.save(t1).orElseThrow();
            t2.setTitle("y");
            Scribe s2 = a.save(t2).orElseThrow();
            ObjectNode changed = (ObjectNode) s1.data().get(1);
            changed.remove("title");
            changed.put("other", 1);
            assertThat(s2.data().get(1).toString()).isEqualTo("{\"title\":\"y\"}");
            t1.setTitle("z");
            assertThat(a.save(t1).orElseThrow().data().get(1).toString()).isEqualTo("{\"title\":\"z\"}");
        }
    }

    @Test
    void aRefusedOneScribeCommitLeavesNothingAndTheNextSaveRecordsIt() throws Exception {
        Refusing store = new Refusing();
        try (Scriber a = peer("a", store); Scriber b = peer("b", Store.inMemory())) {
            Session[] link = Peers.direct(a, b);
            link[0].sync().get(10, TimeUnit.SECONDS);
            link[1].sync().get(10, TimeUnit.SECONDS);
            Task task = a.create(new Task("t1", "one", 1));
            ObjectState before = store.object("Task", "t1").orElseThrow();
            long lastId = store.lastId();
            int commits = store.commits;
            store.failing = true;
            task.setTitle("two");
            assertThatThrownBy(() -> a.save(task)).hasMessageContaining("disk full");
            assertThat(store.lastId()).isEqualTo(lastId);
            assertThat(store.object("Task", "t1")).contains(before);
            store.failing = false;
            task.setPriority(2);
            Scribe s = a.save(task).orElseThrow();
            assertThat(store.commits).as("every write went through the forwarding store's commit")
                    .isEqualTo(commits + 1);
            List<String> names = new ArrayList<>();
            s.data().get(1).fieldNames().forEachRemaining(names::add);
            assertThat(names).containsExactly("title", "priority");
            Task there = b.find(Task.class, "t1").orElseThrow();
            assertThat(there.title()).isEqualTo("two");
            assertThat(there.priority()).isEqualTo(2);
            assertSameStates(a, b, "Task", "t1");
        }
    }

    /** The updates of origin a in {@code store}'s log, each as "object changed-fields". */
    private static List<String> updates(Store store) {
        List<String> found = new ArrayList<>();
        for (Scribe s : store.readAfter(0, 100)) {
            if (s.type() == Scribe.Type.UPDATE) {
                found.add(s.data().get(0).asText() + " " + s.data().get(1));
            }
        }
        return found;
    }

    @Test
    void updatesSavedByAListenerAndAfterARefusedOneAreEachRecordedOnceWithTheirOwnFields() throws Exception {
        Refusing store = new Refusing();
        try (Scriber a = peer("a", store); Scriber b = peer("b", Store.inMemory())) {
            Session[] link = Peers.direct(a, b);
            link[0].sync().get(10, TimeUnit.SECONDS);
            link[1].sync().get(10, TimeUnit.SECONDS);
            Task t1 = a.create(new Task("t1", "one", 1));
            Task t2 = a.create(new Task("t2", "one", 1));
            // Each local change of t1's title is followed, inside its announcement, by an update of t2.
            a.listen(Task.class, change -> {
                if (change.local() && change.object() == t1 && change.fields().contains("title")) {
                    t2.setPriority(t2.priority() + 10);
                    a.save(t2);
                }
            });
            t1.setTitle("two");
            a.save(t1);
            store.failing = true;
            t1.setTitle("three");
            assertThatThrownBy(() -> a.save(t1)).hasMessageContaining("disk full");
            store.failing = false;
            t2.setTitle("t2 again");
            a.save(t2);
            t1.setPriority(5);
            a.save(t1);
            t2.setTitle("t2 last");
            a.save(t2);

            assertThat(updates(store)).containsExactly(
                    "t1 {\"title\":\"two\"}",
                    "t2 {\"priority\":11}",
                    "t2 {\"title\":\"t2 again\"}",
                    "t1 {\"title\":\"three\",\"priority\":5}",
                    "t2 {\"priority\":21}",
                    "t2 {\"title\":\"t2 last\"}");
            Task there1 = b.find(Task.class, "t1").orElseThrow();
            Task there2 = b.find(Task.class, "t2").orElseThrow();
            assertThat(there1.title()).isEqualTo("three");
            assertThat(there1.priority()).isEqualTo(5);
            assertThat(there2.title()).isEqualTo("t2 last");
            assertThat(there2.priority()).isEqualTo(21);
            assertSameStates(a, b, "Task", "t1");
            assertSameStates(a, b, "Task", "t2");
        }
    }

    @Test
    void aSaveIntoTheInMemoryStoreReturnsTheScribeUnderTheIdItWasStoredWith() {
        try (Scriber a = peer("a", Store.inMemory())) {
            Task task = a.create(new Task("t1", "one", 1));
            for (int i = 2; i <= 4; i++) {
                task.setPriority(i);
                Scribe s = a.save(task).orElseThrow();
                assertThat(s.id()).isEqualTo(Long.toString(a.store().lastId()));
                assertThat(a.store().readAfter(a.store().lastId() - 1, 1)).containsExactly(s);
                assertThat(s.data().get(1).toString()).isEqualTo("{\"priority\":" + i + "}");
            }
        }
    }

    @Test
    void anUpdateOfOneFieldKeptByItsPartsIsTheScribeARecordWouldHaveBeen() throws Exception {
        // The in-memory store keeps a one-field update by its parts; a store that keeps records gets the scribe.
        Store records = new ForwardingStore(Store.inMemory()) {};
        try (Scriber a = peer("a", Store.inMemory()); Scriber r = peer("a", records);
                Scriber b = peer("b", Store.inMemory())) {
            Session[] link = Peers.direct(a, b);
            link[0].sync().get(10, TimeUnit.SECONDS);
            link[1].sync().get(10, TimeUnit.SECONDS);
            Task task = a.create(new Task("t1", "one", 1));
            Task same = r.create(new Task("t1", "one", 1));
            long created = a.store().object("Task", "t1").orElseThrow().stamps().get("priority").clock();
            task.setPriority(5);
            Scribe s = a.save(task).orElseThrow();
            same.setPriority(5);
            Scribe kept = r.save(same).orElseThrow();
            assertThat(s.type()).isEqualTo(Scribe.Type.UPDATE);
            assertThat(s.data().toString()).isEqualTo(kept.data().toString()).isEqualTo("[\"t1\",{\"priority\":5}]");
            assertThat(s.base()).isEqualTo(Map.of("priority", created));
            assertThat(kept.base()).containsOnlyKeys("priority");
            assertThat(s.origin()).isEqualTo(a.id());
            assertThat(a.store().readAfter(a.store().lastId() - 1, 1)).containsExactly(s);
            assertThat(b.store().readAfter(0, 10)).extracting(Scribe::data).extracting(Object::toString)
                    .contains("[\"t1\",{\"priority\":5}]");
            assertSameStates(a, b, "Task", "t1");
        }
    }

    @Test
    void theSizeBoundOfAnUpdateByItsPartsIsTheBoundOfItsScribe() {
        String[] title = {"title"};
        var nodes = io.scribe.core.internal.Json.NODES;
        SyncedClass<?> task;
        try (Scriber peer = Scriber.builder().clientId("origin-1").store(Store.inMemory()).register(Task.class).build()) {
            task = peer.classes.byKlass("Task");
        }
        for (var value : List.of(nodes.textNode("short"), nodes.textNode("\u00e9\ud83d\ude00".repeat(500)),
                nodes.numberNode(Long.MIN_VALUE), nodes.numberNode(1.5), nodes.booleanNode(true), nodes.nullNode())) {
            RecordedField f = new RecordedField(task, null, nodes.textNode("t-\u00fc"), title, value,
                    new io.scribe.core.spi.Stamp(42, "origin-1", 7));
            for (long cap : new long[] {10, 1_000, 1_000_000}) {
                // Past the cap the scribe's bound stops counting: both say "over".
                long bound = Admission.sizeBound(f.scribe(null), cap);
                if (bound <= cap) {
                    assertThat(f.sizeBound(cap)).isEqualTo(bound);
                } else {
                    assertThat(f.sizeBound(cap)).isGreaterThan(cap);
                }
            }
        }
    }

    @Test
    void writersOnManyThreadsUpdatingOneFieldEachLoseNothing() throws Exception {
        try (Scriber a = peer("a", Store.inMemory()); Scriber b = peer("b", Store.inMemory())) {
            Session[] link = Peers.direct(a, b);
            link[0].sync().get(10, TimeUnit.SECONDS);
            link[1].sync().get(10, TimeUnit.SECONDS);
            int threads = 6;
            int each = 200;
            List<Wide> objects = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                objects.add(a.create(new Wide("w" + t)));
            }
            Wide shared = a.create(new Wide("shared"));
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int me = t;
                    done.add(pool.submit(() -> {
                        for (int i = 1; i <= each; i++) {
                            Wide own = objects.get(me);
                            own.set(i % 70, i);
                            a.save(own);
                            a.atomically(() -> {
                                shared.set(me, shared.get(me) + 1);
                                a.save(shared);
                            });
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            // The writers' last pushes may still be on their way: a drain of a's outbox that another thread holds
            // (b's ack timer, answering on its own thread) sends them, after the writers returned.
            for (int t = 0; t < threads; t++) {
                awaitSameStates(a, b, "Wide", "w" + t);
            }
            awaitSameStates(a, b, "Wide", "shared");
            for (int t = 0; t < threads; t++) {
                assertThat(shared.get(t)).isEqualTo(each);
                assertSameStates(a, b, "Wide", "w" + t);
            }
            assertSameStates(a, b, "Wide", "shared");
            Wide there = b.find(Wide.class, "shared").orElseThrow();
            for (int t = 0; t < threads; t++) {
                assertThat(there.get(t)).isEqualTo(each);
            }
            List<Scribe> log = a.store().readAfter(0, 100_000);
            for (int i = 0; i < log.size(); i++) {
                assertThat(log.get(i).id()).isEqualTo(Long.toString(i + 1L));
            }
        }
    }
}
