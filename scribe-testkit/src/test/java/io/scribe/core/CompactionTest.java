package io.scribe.core;

import static io.scribe.core.Peers.ofType;
import static io.scribe.core.Peers.tasks;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Store;
import io.scribe.testkit.ManualClock;
import io.scribe.testkit.Network;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Compaction of a hub's log: it never removes what a known client still needs, a new or long-gone client gets a
 * snapshot and converges, objects destroyed while a client was away past the retention window go from it too, its own
 * offline changes still upload, and the log stays bounded under a steady load.
 */
class CompactionTest {

    private static final Duration DAY = Duration.ofDays(1);

    private final Network net = new Network(new Random(7));
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private Scriber hub() {
        // Compaction is run by hand (compact()); the interval only turns the retention on.
        return Peers.builder("hub").clock(clock).compaction(Duration.ofDays(365), DAY).build();
    }

    private Scriber client(String id) {
        return Peers.builder(id).clock(clock).build();
    }

    private Scriber client(String id, Store store) {
        return Peers.builder(id).clock(clock).store(store).build();
    }

    private static long logLength(Scriber peer) {
        long count = 0;
        long after = 0;
        while (true) {
            List<Scribe> page = peer.store().readAfter(after, 100);
            count += page.size();
            if (page.size() < 100) {
                return count;
            }
            after = Long.parseLong(page.get(page.size() - 1).id());
        }
    }

    /**
     * Compacts once (connected clients are asked to confirm what they hold), lets the answers arrive, and compacts
     * again, as a periodic compaction would over two runs.
     */
    private long compact(Scriber hub) {
        hub.compact();
        net.settle();
        return hub.compact();
    }

    private static Task task(Scriber peer, String id) {
        return peer.find(Task.class, id).orElse(null);
    }

    private static boolean anySnapshot(List<String> frames) {
        return ofType(frames, "response").stream().anyMatch(r -> r.has("snapshot"));
    }

    @Test
    void compactionNeverRemovesWhatAKnownClientStillNeeds() {
        Scriber hub = hub();
        Scriber a = client("a");
        Scriber b = client("b");
        net.link(a, hub);
        Network.Link bLink = net.link(b, hub);
        net.settle();
        for (int i = 0; i < 20; i++) {
            hub.create(new Task("t" + i, "first " + i, i));
        }
        net.settle();
        bLink.cut();
        for (int i = 0; i < 20; i++) {
            Task t = task(hub, "t" + i);
            t.setTitle("second " + i);
            hub.save(t);
        }
        hub.destroy(task(hub, "t0"));
        net.settle();
        clock.advance(Duration.ofHours(12).toMillis());

        long compacted = compact(hub);

        // b, away for less than the window, holds the log back where it stopped: the first 20 creates go, the rest
        // stays for it.
        assertThat(compacted).isEqualTo(20);
        assertThat(logLength(hub)).isEqualTo(hub.lastScribeId() - 20);
        bLink.reconnect();
        net.settle();
        assertThat(anySnapshot(bLink.deliveredToA())).isFalse();
        assertThat(tasks(b)).isEqualTo(tasks(hub)).isEqualTo(tasks(a)).hasSize(19);
        assertThat(task(b, "t5").title()).isEqualTo("second 5");

        // Once both have everything, all of it can go, the destroyed object's tombstone too.
        assertThat(compact(hub)).isEqualTo(hub.lastScribeId());
        assertThat(logLength(hub)).isZero();
        assertThat(hub.store().object("Task", "t0")).isEmpty();
    }

    @Test
    void aNewClientAfterCompactionGetsASnapshotAndConverges() {
        Scriber hub = hub();
        Scriber a = client("a");
        net.link(a, hub);
        net.settle();
        for (int i = 0; i < 30; i++) {
            a.create(new Task("t" + i, "title " + i, i));
        }
        net.settle();
        Task edited = task(hub, "t3");
        edited.setPriority(99);
        hub.save(edited);
        a.destroy(task(a, "t4"));
        net.settle();
        compact(hub);
        assertThat(logLength(hub)).isZero();

        Scriber late = client("late");
        Network.Link link = net.link(late, hub);
        net.settle();

        assertThat(tasks(late)).isEqualTo(tasks(hub)).isEqualTo(tasks(a)).hasSize(29);
        // Every field with the stamp the hub holds, so later concurrent edits resolve as they would have.
        assertThat(late.store().object("Task", "t3").orElseThrow().stamps())
                .isEqualTo(hub.store().object("Task", "t3").orElseThrow().stamps());
        List<JsonNode> answers = ofType(link.deliveredToA(), "response");
        assertThat(answers.stream().filter(r -> r.has("snapshot")).count()).isGreaterThan(1);
        // Pages of the snapshot (page size 4) are not stored as the late client's cursor; the log position is.
        assertThat(late.store().cursor("hub").orElseThrow()).doesNotStartWith("snapshot:");

        // It goes on from the log after the snapshot.
        Task t7 = task(late, "t7");
        t7.setTitle("from the late client");
        late.save(t7);
        a.create(new Task("new", "after the snapshot", 1));
        net.settle();
        assertThat(task(a, "t7").title()).isEqualTo("from the late client");
        assertThat(tasks(late)).isEqualTo(tasks(hub)).isEqualTo(tasks(a)).hasSize(30);
    }

    @Test
    void aClientBackAfterTheWindowGetsASnapshotLosesWhatWasDestroyedAndUploadsItsOfflineChanges() {
        Scriber hub = hub();
        Scriber a = client("a");
        Store awayStore = Store.inMemory();
        Scriber away = client("away", awayStore);
        net.link(a, hub);
        Network.Link awayLink = net.link(away, hub);
        net.settle();
        for (int i = 0; i < 10; i++) {
            hub.create(new Task("t" + i, "title " + i, i));
        }
        net.settle();
        awayLink.cut();

        // While it is away for longer than the window: a destroy, an edit, and its own offline work.
        a.destroy(task(a, "t1"));
        Task t2 = task(a, "t2");
        t2.setTitle("edited while away");
        a.save(t2);
        away.create(new Task("offline", "made offline", 5));
        Task mine = task(away, "t3");
        mine.setTitle("edited offline");
        away.save(mine);
        net.settle();
        clock.advance(DAY.plusHours(1).toMillis());
        compact(hub);
        assertThat(hub.store().object("Task", "t1")).isEmpty();

        awayLink.reconnect();
        net.settle();

        assertThat(anySnapshot(awayLink.deliveredToA())).isTrue();
        assertThat(task(away, "t1")).isNull();
        assertThat(task(away, "t2").title()).isEqualTo("edited while away");
        assertThat(task(hub, "offline").title()).isEqualTo("made offline");
        assertThat(task(a, "t3").title()).isEqualTo("edited offline");
        assertThat(tasks(away)).isEqualTo(tasks(hub)).isEqualTo(tasks(a)).hasSize(10);
    }

    @Test
    void theLogStaysBoundedUnderASteadyLoad() {
        Scriber hub = hub();
        Scriber a = client("a");
        Scriber b = client("b");
        net.link(a, hub);
        net.link(b, hub);
        net.settle();
        for (int i = 0; i < 10; i++) {
            a.create(new Task("t" + i, "v0", i));
        }
        net.settle();
        long longest = 0;
        for (int round = 1; round <= 50; round++) {
            for (int i = 0; i < 10; i++) {
                Scriber writer = i % 2 == 0 ? a : b;
                Task t = task(writer, "t" + i);
                t.setTitle("v" + round);
                writer.save(t);
            }
            net.settle();
            hub.compact();
            longest = Math.max(longest, logLength(hub));
        }
        // 510 scribes were written; at most about two rounds' worth is ever kept (a round's acknowledgments arrive
        // with the next round).
        assertThat(hub.lastScribeId()).isEqualTo(510);
        assertThat(longest).isLessThanOrEqualTo(30);
        assertThat(tasks(a)).isEqualTo(tasks(hub)).isEqualTo(tasks(b));
    }

    @Test
    void aServerRestartedAfterCompactingEverythingStampsLaterWritesAfterWhatItRemoved() {
        Store store = Store.inMemory();
        Scriber hub = Peers.builder("hub").clock(clock).store(store).compaction(Duration.ofDays(365), DAY).build();
        net.link(client("a"), hub);
        net.settle();
        hub.create(new Task("gone", "soon destroyed", 1));
        clock.advance(60_000);
        hub.destroy(task(hub, "gone"));
        long destroyedAt = store.readAfter(1, 1).get(0).clock();
        net.settle();
        compact(hub);
        assertThat(store.readAfter(0, 10)).isEmpty();
        assertThat(store.object("Task", "gone")).isEmpty();
        hub.close();

        // Restarted with a wall clock a minute behind: the clock still moves past the destroy it no longer holds.
        ManualClock behind = new ManualClock(1_700_000_000_000L);
        Scriber restarted = Peers.builder("hub").clock(behind).store(store).build();
        restarted.create(new Task("next", "after the restart", 2));
        assertThat(store.readAfter(0, 10).get(0).clock()).isGreaterThan(destroyedAt);
    }

    @Test
    void snapshotPagesFitTheFrameWithLongIdentitiesAndHiddenObjects() {
        Wire small = Wire.scribe().withMaxFrameBytes(2_000);
        // Only notes whose id ends in "shown" reach clients: the snapshot passes the others, cursor and all.
        Scriber hub = Peers.builder("hub").clock(clock).wire(small).compaction(Duration.ofDays(365), DAY)
                .register(Note.class, Policy.<Note>defaults().withRecipients((n, client) -> n.id.endsWith("shown")))
                .build();
        net.link(Peers.builder("a").clock(clock).wire(small).register(Note.class).build(), hub, small);
        net.settle();
        for (int i = 0; i < 40; i++) {
            String pad = "x".repeat(150 + i);
            hub.create(new Note(pad + i + (i % 3 == 0 ? "shown" : "hidden"), "text " + i, "hub"));
        }
        net.settle();
        compact(hub);
        assertThat(logLength(hub)).isZero();

        Scriber late = Peers.builder("late").clock(clock).wire(small).register(Note.class).build();
        Network.Link link = net.link(late, hub, small);
        net.settle();

        assertThat(late.all(Note.class)).hasSize(14).allMatch(n -> n.id.endsWith("shown"));
        assertThat(link.deliveredToA()).allMatch(frame -> frame.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                .length <= small.maxFrameBytes());
        assertThat(anySnapshot(link.deliveredToA())).isTrue();
    }

    @Test
    void anObjectWhoseScribesTogetherExceedAFrameIsSentInASnapshotAcrossPages() {
        Wire small = Wire.scribe().withMaxFrameBytes(2_000);
        List<ScribeException> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        Scriber hub = Peers.builder("hub").clock(clock).wire(small).compaction(Duration.ofDays(365), DAY)
                .onError(problems::add).build();
        Scriber writer = Peers.builder("writer").clock(clock).wire(small).build();
        net.link(writer, hub, small);
        net.settle();
        // Each write fits a frame; the object they leave, as a create and an update per stamp, does not.
        Task big = hub.create(new Task("big", "t".repeat(900), 1));
        hub.create(new Task("after", "the next object", 2));
        net.settle();
        big.tag("g".repeat(900));
        hub.save(big);
        net.settle();
        Task there = writer.find(Task.class, "big").orElseThrow();
        there.setPriority(7);
        writer.save(there);
        net.settle();
        compact(hub);
        assertThat(logLength(hub)).isZero();

        Scriber late = Peers.builder("late").clock(clock).wire(small).build();
        Network.Link link = net.link(late, hub, small);
        net.settle();

        assertThat(anySnapshot(link.deliveredToA())).isTrue();
        assertThat(link.deliveredToA()).allMatch(frame -> frame.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                .length <= small.maxFrameBytes());
        assertThat(Peers.tasks(late)).isEqualTo(Peers.tasks(hub)).hasSize(2);
        assertThat(late.find(Task.class, "big").orElseThrow().priority()).isEqualTo(7);
        assertThat(late.find(Task.class, "big").orElseThrow().tags()).containsExactly("g".repeat(900));
        assertThat(link.deliveredToA().stream().filter(f -> f.contains("\"big\"")).count())
                .as("the object's scribes over two pages").isEqualTo(2);
        assertThat(late.store().object("Task", "big").orElseThrow().stamps())
                .as("each field with the stamp of the write that set it")
                .isEqualTo(hub.store().object("Task", "big").orElseThrow().stamps());
        assertThat(problems).as("nothing left out").noneMatch(e -> e.code() == ScribeException.TOO_LARGE);
    }

    @Test
    void nothingIsCompactedBeforeAnyPeerAcknowledgedAnything() {
        Scriber offline = Peers.builder("offline").clock(clock).compaction(Duration.ofDays(365), DAY).build();
        offline.create(new Task("t1", "made before ever connecting", 1));
        assertThat(offline.compact()).isZero();
        assertThat(logLength(offline)).isEqualTo(1);
    }

    @Test
    void aClientWhoseOwnWriteWasLastGetsNoSnapshotWhenItComesBackWithinTheWindow() {
        Scriber hub = hub();
        Scriber a = client("a");
        Network.Link link = net.link(a, hub);
        net.settle();
        hub.create(new Task("t1", "from the hub", 1));
        net.settle();
        a.create(new Task("t2", "a's own, the last scribe", 2));
        net.settle();
        // The hub confirms with a noop that carries its log position; a stores it as its cursor.
        assertThat(compact(hub)).isEqualTo(2);
        assertThat(a.store().cursor("hub")).contains("2");
        link.cut();
        link.reconnect();
        net.settle();
        assertThat(anySnapshot(link.deliveredToA())).isFalse();
        assertThat(tasks(a)).isEqualTo(tasks(hub)).hasSize(2);
    }
}
