package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Scriber.Builder#newPeerSnapshot}: a peer reading a long log from its start is answered a snapshot. */
class NewPeerSnapshotTest {

    private final Network net = new Network(new Random(7));
    private final List<Scriber> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Scriber::close);
    }

    @Test
    void aNewPeerOfALongLogReadsEachObjectOnceWithTheStampsOfTheLog() {
        Scriber hub = peer(Scriber.builder().clientId("hub").store(Store.inMemory()).newPeerSnapshot(4));
        Scriber writer = peer(Peers.builder("writer"));
        net.link(writer, hub);
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            tasks.add(hub.create(new Task("t" + i, "task " + i, i)));
        }
        net.settle();
        // 3 scribes an object: under 4, a new peer reads the log.
        for (Task t : tasks) {
            t.setPriority(t.priority() + 1);
            hub.save(t);
            writer.find(Task.class, t.id()).orElseThrow().setTitle("by the writer " + t.id());
            writer.save(writer.find(Task.class, t.id()).orElseThrow());
        }
        net.settle();
        Scriber early = peer(Peers.builder("early"));
        Network.Link earlyLink = net.link(early, hub);
        net.settle();
        assertThat(pages(earlyLink)).noneMatch(p -> p.has("snapshot"));

        // Five scribes an object: a snapshot, each object as a create and an update per other stamp.
        for (Task t : tasks) {
            t.complete();
            hub.save(t);
            t.setPriority(t.priority() + 10);
            hub.save(t);
        }
        net.settle();
        Scriber late = peer(Peers.builder("late"));
        Network.Link lateLink = net.link(late, hub);
        net.settle();
        List<JsonNode> pages = pages(lateLink);
        assertThat(pages).anyMatch(p -> p.path("snapshot").path("start").asBoolean());
        int sent = pages.stream().mapToInt(p -> p.path("result").size()).sum();
        assertThat(sent).as("scribes sent: fewer than the log's 50").isLessThan(50).isGreaterThanOrEqualTo(10);
        assertThat(Peers.tasks(late)).isEqualTo(Peers.tasks(hub)).hasSize(10);
        for (Task t : tasks) {
            assertThat(late.store().object("Task", t.id()).orElseThrow().stamps())
                    .as("the stamp of each field, as the peer that read the log holds it")
                    .isEqualTo(early.store().object("Task", t.id()).orElseThrow().stamps());
        }

        // The new peer's own write, made offline after it joined, is newer than the field's stamp: it wins everywhere.
        net.links().forEach(Network.Link::cut);
        Task onLate = late.find(Task.class, "t3").orElseThrow();
        onLate.setTitle("from the late peer");
        late.save(onLate);
        net.links().forEach(Network.Link::reconnect);
        net.settle();
        assertThat(Peers.tasks(hub)).isEqualTo(Peers.tasks(late)).isEqualTo(Peers.tasks(early))
                .isEqualTo(Peers.tasks(writer));
        assertThat(hub.find(Task.class, "t3").orElseThrow().title()).isEqualTo("from the late peer");
    }

    @Test
    void objectsCreatedChangedAndDestroyedWhileASnapshotIsReadReachTheNewPeer() {
        Scriber hub = peer(Scriber.builder().clientId("hub").store(Store.inMemory()).newPeerSnapshot(2));
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Task t = hub.create(new Task("t" + i, "task " + i, i));
            t.setPriority(100 + i);
            hub.save(t);
            tasks.add(t);
        }
        Scriber late = peer(Peers.builder("late"));
        Network.Link link = net.link(late, hub);
        Random random = new Random(11);
        int step = 0;
        while (net.deliverOne()) {
            step++;
            switch (step % 4) {
                case 0 -> hub.create(new Task("new" + step, "created meanwhile", step));
                case 1 -> {
                    Task t = tasks.get(random.nextInt(tasks.size()));
                    if (hub.find(Task.class, t.id()).isPresent()) {
                        t.setTitle("changed at " + step);
                        hub.save(t);
                    }
                }
                case 2 -> {
                    Task t = tasks.get(random.nextInt(tasks.size()));
                    if (hub.find(Task.class, t.id()).isPresent()) {
                        hub.destroy(t);
                    }
                }
                default -> { }
            }
        }
        net.settle();
        assertThat(step).as("frames delivered while the hub wrote").isGreaterThan(10);
        assertThat(pages(link).stream().filter(p -> p.has("snapshot")).count()).as("snapshot pages").isGreaterThan(3);
        assertThat(Peers.tasks(late)).isEqualTo(Peers.tasks(hub));
    }

    @Test
    void aNewPeerKeepsAndUploadsWhatItWroteBeforeItJoined() {
        Scriber hub = peer(Scriber.builder().clientId("hub").store(Store.inMemory()).newPeerSnapshot(2));
        for (int i = 0; i < 5; i++) {
            Task t = hub.create(new Task("h" + i, i));
            t.setPriority(i + 1);
            hub.save(t);
            t.setPriority(i + 2);
            hub.save(t);
        }
        Scriber late = peer(Peers.builder("late"));
        late.create(new Task("offline", 1));
        net.link(late, hub);
        net.settle();
        assertThat(Peers.tasks(late)).isEqualTo(Peers.tasks(hub)).hasSize(6);
    }

    /**
     * A peer uploaded its create, then lost the link before it read the hub's log; the object was destroyed on the
     * hub. The snapshot it then reads carries the destroy (a tombstone) on its last page: the peer keeps the tombstone
     * like the hub, so it cannot create that identity again for only itself to hold.
     */
    @Test
    void aDestroyOnTheSnapshotsLastPageLeavesTheTombstoneItCarries() {
        Scriber hub = peer(Scriber.builder().clientId("hub").store(Store.inMemory()).newPeerSnapshot(1));
        Scriber writer = peer(Peers.builder("writer"));
        writer.create(new Task("s1", "the writer's", 1));
        Network.Link link = net.link(writer, hub);
        link.deliverToA();   // the hub asks for the writer's log
        link.deliverToB();   // the writer asks for the hub's log
        link.deliverToB();   // the writer's log: its create
        assertThat(hub.find(Task.class, "s1")).as("uploaded").isPresent();
        link.cut();          // the hub's answer is lost: the writer has read nothing of the hub's log yet
        hub.destroy(hub.find(Task.class, "s1").orElseThrow());

        link.reconnect();
        net.settle();
        assertThat(pages(link)).anyMatch(p -> p.path("snapshot").path("end").asBoolean());
        assertThat(writer.find(Task.class, "s1")).isEmpty();
        assertThat(writer.store().object("Task", "s1")).as("the tombstone, as the hub holds it")
                .hasValueSatisfying(s -> assertThat(s.destroyed()).isTrue());
        assertThatThrownBy(() -> writer.create(new Task("s1", "again", 2)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("identities are not reused");
        net.settle();
        assertThat(Peers.tasks(writer)).isEqualTo(Peers.tasks(hub)).isEmpty();
    }

    @Test
    void aServerReadingItsClientsLogFromTheStartIsAnsweredTheLog() {
        // The client would answer a snapshot of everything it holds, which a server takes only from itself (403).
        Scriber client = peer(Scriber.builder().clientId("client").store(Store.inMemory()).newPeerSnapshot(1));
        List<ScribeException> problems = new ArrayList<>();
        Scriber hub = peer(Scriber.builder().clientId("hub").store(Store.inMemory()).onError(problems::add));
        Scriber other = peer(Peers.builder("other"));
        net.link(other, hub);
        other.create(new Task("theirs", "other's", 1));
        net.link(client, hub);
        for (int i = 0; i < 5; i++) {
            Task t = client.create(new Task("c" + i, "client's " + i, i));
            t.setPriority(9);
            client.save(t);
        }
        net.settle();
        // The hub loses its store: it reads the client's log from the start again.
        net.links().forEach(Network.Link::cut);
        hub.close();
        hub = peer(Scriber.builder().clientId("hub").store(Store.inMemory()).onError(problems::add));
        Network.Link link = net.link(client, hub);
        net.settle();
        assertThat(Peers.ofType(link.deliveredToB(), "response")).noneMatch(p -> p.has("snapshot"));
        assertThat(Peers.tasks(hub)).hasSize(5).containsKeys("c0", "c4");
        assertThat(problems).isEmpty();
    }

    private static List<JsonNode> pages(Network.Link link) {
        return Peers.ofType(link.deliveredToA(), "response").stream().filter(p -> p.path("result").isArray()).toList();
    }

    private Scriber peer(Scriber.Builder b) {
        if (b.classes.isEmpty()) {
            b.register(Task.class);
        }
        Scriber s = b.build();
        open.add(s);
        return s;
    }
}
