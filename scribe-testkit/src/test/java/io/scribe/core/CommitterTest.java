package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Connection;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The commit stage: what one read of a session is stored and answered as, what a failed commit leaves behind, and a
 * producer faster than its peer.
 */
class CommitterTest {

    private static final long CLOCK = System.currentTimeMillis() << 16;

    /** A store that counts commits and can be told to refuse them. */
    static final class CountingStore extends ForwardingStore {
        final List<Commit> commits = new CopyOnWriteArrayList<>();
        volatile boolean failing;
        volatile long sleepMillis;

        CountingStore() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (sleepMillis > 0) {
                try {
                    Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failing) {
                throw new ScribeException(ScribeException.INTERNAL, "disk full (test)");
            }
            commits.add(commit);
            return super.commit(commit);
        }
    }

    private static byte[] create(int requestId, String scribeId, String klass, String taskId, long clock) {
        return Capture.frame("{\"type\":\"add_scribe\",\"id\":" + requestId + ",\"scribe\":{\"id\":\"" + scribeId
                + "\",\"klass\":\"" + klass + "\",\"type\":\"create\",\"data\":{\"id\":\"" + taskId
                + "\",\"title\":\"" + taskId + "\",\"priority\":1},\"origin\":\"a\",\"clock\":" + clock + "}}");
    }

    private static byte[] destroy(int requestId, String scribeId, String taskId, long clock) {
        return Capture.frame("{\"type\":\"add_scribe\",\"id\":" + requestId + ",\"scribe\":{\"id\":\"" + scribeId
                + "\",\"klass\":\"Task\",\"type\":\"destroy\",\"data\":[\"" + taskId + "\"],\"origin\":\"a\","
                + "\"clock\":" + clock + "}}");
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static JsonNode answerTo(Capture wire, int requestId) {
        for (JsonNode m : wire.messages()) {
            if (m.path("id").asInt() == requestId
                    && (m.path("type").asText().equals("response") || m.path("type").asText().equals("error"))) {
                return m;
            }
        }
        return null;
    }

    @Test
    void aReadOfSeveralScribesIsStoredInOneCommitAndARefusedOneIsAnsweredByName() {
        List<ScribeException> problems = new CopyOnWriteArrayList<>();
        CountingStore store = new CountingStore();
        Scriber server = Peers.builder("server").store(store).onError(problems::add).build();
        Capture wire = new Capture(4);
        Session session = server.client("a").connect(wire);
        int before = store.commits.size();

        session.receiveData(concat(create(1, "11", "Task", "t1", CLOCK + 1), create(2, "12", "Nope", "t2", CLOCK + 2),
                create(3, "13", "Task", "t3", CLOCK + 3)));

        assertThat(answerTo(wire, 1).path("result").asBoolean()).isTrue();
        JsonNode refused = answerTo(wire, 2);
        assertThat(refused.path("type").asText()).isEqualTo("error");
        assertThat(refused.path("code").asInt()).isEqualTo(403);
        assertThat(refused.path("message").asText()).contains("scribe 12").contains("Nope");
        assertThat(answerTo(wire, 3).path("result").asBoolean()).isTrue();
        assertThat(server.find(Task.class, "t1")).isPresent();
        assertThat(server.find(Task.class, "t3")).isPresent();
        // One read, one store transaction holding both scribes that were applied.
        assertThat(store.commits.size() - before).isEqualTo(1);
        assertThat(store.commits.get(store.commits.size() - 1).scribes()).hasSize(2);
        assertThat(server.lastScribeId()).isEqualTo(2);
    }

    @Test
    void aBatchCutMidFrameIsPlayedWhenItsRestArrives() {
        CountingStore store = new CountingStore();
        Scriber server = Peers.builder("server").store(store).build();
        Capture wire = new Capture(4);
        Session session = server.client("a").connect(wire);
        byte[] second = create(2, "12", "Task", "t2", CLOCK + 2);
        byte[] all = concat(create(1, "11", "Task", "t1", CLOCK + 1), second, create(3, "13", "Task", "t3", CLOCK + 3));
        int cut = all.length - second.length / 2 - create(3, "13", "Task", "t3", CLOCK + 3).length;

        session.receiveData(all, 0, cut);
        assertThat(answerTo(wire, 1)).isNotNull();
        assertThat(answerTo(wire, 2)).isNull();
        assertThat(server.find(Task.class, "t2")).isEmpty();
        int commits = store.commits.size();

        session.receiveData(all, cut, all.length - cut);
        assertThat(answerTo(wire, 2).path("result").asBoolean()).isTrue();
        assertThat(answerTo(wire, 3).path("result").asBoolean()).isTrue();
        assertThat(Peers.tasks(server)).containsOnlyKeys("t1", "t2", "t3");
        assertThat(store.commits.size() - commits).isEqualTo(1);
    }

    @Test
    void aFailedCommitIsAnsweredWithItsErrorAndLeavesNothingInMemory() {
        List<ScribeException> problems = new CopyOnWriteArrayList<>();
        CountingStore store = new CountingStore();
        Scriber server = Peers.builder("server").store(store).onError(problems::add).build();
        List<Change<? extends Task>> seen = new CopyOnWriteArrayList<>();
        server.listen(Task.class, seen::add);
        Capture wire = new Capture(4);
        Session session = server.client("a").connect(wire);
        store.failing = true;

        session.receiveData(create(1, "11", "Task", "t1", CLOCK + 1));
        assertThat(answerTo(wire, 1).path("type").asText()).isEqualTo("error");
        assertThat(answerTo(wire, 1).path("code").asInt()).isEqualTo(500);
        assertThat(server.find(Task.class, "t1")).isEmpty();

        Task local = new Task("local", 1);
        assertThatThrownBy(() -> server.create(local)).isInstanceOf(ScribeException.class)
                .hasMessageContaining("disk full");
        assertThat(server.tracks(local)).isFalse();
        assertThat(seen).isEmpty();

        // The store is back: the same identity can be created, the peer's scribe is taken again.
        store.failing = false;
        server.create(local);
        assertThat(server.tracks(local)).isTrue();
        session.receiveData(create(2, "11", "Task", "t1", CLOCK + 1));
        assertThat(answerTo(wire, 2).path("result").asBoolean()).isTrue();
        assertThat(server.find(Task.class, "t1")).isPresent();
        assertThat(seen).hasSize(2);
    }

    @Test
    void aLocalUpdateFailedByTheStoreStaysPendingForTheNextSave() {
        CountingStore store = new CountingStore();
        Scriber server = Peers.builder("server").store(store).build();
        Task task = server.create(new Task("one", 1));
        task.setTitle("two");
        store.failing = true;
        assertThatThrownBy(() -> server.save(task)).isInstanceOf(ScribeException.class);
        store.failing = false;
        Scribe saved = server.save(task).orElseThrow();
        assertThat(saved.data().path(1).path("title").asText()).isEqualTo("two");
        assertThat(store.object("Task", task.id()).orElseThrow().fields().path("title").asText()).isEqualTo("two");
    }

    @Test
    void aStepThatCreatesAndDestroysAnObjectLeavesItDestroyed() {
        // In one read: the create and the destroy are decided in one batch and stored in one commit.
        Scriber server = Peers.peer("server");
        Capture wire = new Capture(4);
        Session session = server.client("a").connect(wire);
        session.receiveData(concat(create(1, "11", "Task", "t1", CLOCK + 1), destroy(2, "12", "t1", CLOCK + 2)));
        assertThat(server.find(Task.class, "t1")).isEmpty();
        assertThat(server.all(Task.class)).isEmpty();
        assertThat(server.store().object("Task", "t1").orElseThrow().destroyed()).isTrue();

        // In one catch-up page: both scribes in one step.
        Scriber a = Peers.builder("a").pageSize(100).build();
        Task t = a.create(new Task("short-lived", 1));
        a.destroy(t);
        Scriber b = Peers.builder("b").pageSize(100).build();
        Network net = new Network(new Random(3));
        net.link(a, b);
        net.settle();
        assertThat(b.find(Task.class, t.id())).isEmpty();
        assertThat(b.all(Task.class)).isEmpty();
        assertThat(b.store().object("Task", t.id()).orElseThrow().destroyed()).isTrue();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aLocalSaveWhileARemoteUpdateIsBeingStoredRecordsOnlyTheLocalWrite() throws Exception {
        java.util.concurrent.CountDownLatch inCommit = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        AtomicBoolean hold = new AtomicBoolean();
        Store blocking = new ForwardingStore(Store.inMemory()) {
            @Override
            public List<Scribe> commit(Commit commit) {
                if (hold.compareAndSet(true, false)) {
                    inCommit.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.commit(commit);
            }
        };
        Scriber b = Peers.builder("b").store(blocking).build();
        Task task = b.create(new Task("t", 1));
        Session fromA = b.client("a").connect(new Capture(4));
        long later = (System.currentTimeMillis() + 1000) << 16;
        hold.set(true);
        Thread remote = new Thread(() -> fromA.receiveData(Capture.frame("{\"type\":\"add_scribe\",\"id\":1,"
                + "\"scribe\":{\"id\":\"1\",\"klass\":\"Task\",\"type\":\"update\",\"data\":[\"" + task.id()
                + "\",{\"title\":\"remote\"}],\"origin\":\"a\",\"clock\":" + later + "}}")));
        remote.start();
        assertThat(inCommit.await(10, TimeUnit.SECONDS)).isTrue();
        // The remote update is decided and being stored; its value is not on the object yet.
        assertThat(task.title()).isEqualTo("t");
        task.setPriority(5);
        java.util.concurrent.CompletableFuture<Scribe> saved = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> b.save(task).orElseThrow());
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (b.committer.inFlight() < 1 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        release.countDown();
        Scribe local = saved.get(10, TimeUnit.SECONDS);
        remote.join(10_000);
        assertThat(local.data().path(1).has("title")).isFalse();
        assertThat(local.data().path(1).path("priority").asInt()).isEqualTo(5);
        assertThat(task.title()).isEqualTo("remote");
        assertThat(task.priority()).isEqualTo(5);
        assertThat(b.store().object("Task", task.id()).orElseThrow().fields().path("title").asText())
                .isEqualTo("remote");
    }

    /** Delivers what one side sends to the other side's session on a thread of its own, reads coalesced as TCP's. */
    static final class AsyncLink implements Connection {
        private final ExecutorService thread = Executors.newSingleThreadExecutor();
        private final ConcurrentLinkedQueue<byte[]> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        volatile Session target;

        @Override
        public void send(byte[] frame) {
            queue.add(frame);
            if (scheduled.compareAndSet(false, true)) {
                thread.execute(this::deliver);
            }
        }

        private void deliver() {
            scheduled.set(false);
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            for (byte[] f; read.size() < 256 * 1024 && (f = queue.poll()) != null; ) {
                read.writeBytes(f);
            }
            if (read.size() > 0) {
                target.receiveData(read.toByteArray());
            }
            if (!queue.isEmpty() && scheduled.compareAndSet(false, true)) {
                thread.execute(this::deliver);
            }
        }

        @Override
        public void close() {
            thread.shutdown();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBurstOfCreatesAgainstASlowHubIsSlowedDownNotFailed() throws Exception {
        int count = 100_000;
        List<ScribeException> problems = new CopyOnWriteArrayList<>();
        CountingStore slow = new CountingStore();
        slow.sleepMillis = 5;
        // A short request timeout: without flow control the tail of the burst would wait longer than this.
        Scriber producer = Peers.builder("a").requestTimeout(Duration.ofSeconds(3)).onError(problems::add).build();
        Scriber hub = Peers.builder("hub").store(slow).requestTimeout(Duration.ofSeconds(3)).onError(problems::add)
                .build();
        AsyncLink toHub = new AsyncLink();
        AsyncLink toProducer = new AsyncLink();
        Session atProducer = producer.client("hub").connect(toHub);
        Session atHub = hub.client("a").connect(toProducer);
        toHub.target = atHub;
        toProducer.target = atProducer;
        atProducer.sync().get(10, TimeUnit.SECONDS);
        atHub.sync().get(10, TimeUnit.SECONDS);
        AtomicInteger mostUnanswered = new AtomicInteger();

        for (int i = 0; i < count; i++) {
            producer.create(new Task("burst " + i, i));
            mostUnanswered.accumulateAndGet(atProducer.unansweredPushes(), Math::max);
        }

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (hub.lastScribeId() < count && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        while (atProducer.unansweredPushes() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(producer.lastScribeId()).isEqualTo(count);
        assertThat(hub.lastScribeId()).isEqualTo(count);
        assertThat(hub.all(Task.class)).hasSize(count);
        assertThat(problems).isEmpty();
        assertThat(atProducer.isOpen()).isTrue();
        // The producer was held to its window (plus what one write can add past it).
        assertThat(mostUnanswered.get()).isLessThanOrEqualTo(1000 + 1);
        // The hub wrote many scribes per commit.
        assertThat(slow.commits.size()).isLessThan(count / 4);
        producer.close();
        hub.close();
        toHub.close();
        toProducer.close();
    }
}
