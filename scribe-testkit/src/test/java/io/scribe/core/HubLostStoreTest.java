package io.scribe.core;

import io.scribe.core.internal.LogPosition;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer whose store is lost (a hub run without a durable store and restarted, a new disk, a data directory removed)
 * or restored from an earlier copy numbers its log from an earlier position again, while its peers hold cursors into
 * the log it had. Each test would leave a peer without scribes the other holds if a position in the old log were
 * taken as one in the new.
 */
class HubLostStoreTest {

    private final Network net = new Network(new Random(1));
    private final List<Scriber> open = new ArrayList<>();

    @AfterEach
    void closeAll() {
        open.forEach(Scriber::close);
    }

    @Test
    void aClientBackAtAHubThatLostItsStoreGetsTheNewLogAndGivesBackItsOwnWrites() {
        Scriber hub = peer("hub", Store.inMemory());
        Scriber alice = peer("alice", Store.inMemory());
        Network.Link link = net.link(alice, hub);
        for (int i = 0; i < 20; i++) {
            hub.create(new Task("old" + i, "old " + i, i));
        }
        alice.create(new Task("mine", "alice's", 1));
        net.settle();
        assertThat(alice.all(Task.class)).hasSize(21);

        link.cut();
        hub.close();
        hub = peer("hub", Store.inMemory());
        hub.create(new Task("new1", "after the loss", 1));
        hub.create(new Task("new2", "after the loss", 2));
        alice.create(new Task("offline", "written while the hub was down", 3));
        net.link(alice, hub);
        net.settle();

        assertThat(Peers.tasks(alice).keySet()).as("what the hub holds now, and alice's own writes")
                .containsExactlyInAnyOrder("new1", "new2", "mine", "offline");
        assertThat(Peers.tasks(hub)).isEqualTo(Peers.tasks(alice));
        Scriber bob = peer("bob", Store.inMemory());
        net.link(bob, hub);
        hub.create(new Task("new3", "pushed", 3));
        net.settle();
        assertThat(Peers.tasks(alice)).containsKey("new3").isEqualTo(Peers.tasks(hub)).isEqualTo(Peers.tasks(bob));
    }

    @Test
    void aHubGetsTheWholeNewLogOfAClientThatLostItsStore() {
        Scriber hub = peer("hub", Store.inMemory());
        Scriber alice = peer("alice", Store.inMemory());
        Network.Link link = net.link(alice, hub);
        for (int i = 0; i < 10; i++) {
            alice.create(new Task("a" + i, "first store", i));
        }
        net.settle();
        assertThat(hub.all(Task.class)).hasSize(10);

        link.cut();
        alice.close();
        alice = peer("alice", Store.inMemory());
        alice.create(new Task("b1", "second store", 1));
        net.link(alice, hub);
        net.settle();

        assertThat(hub.find(Task.class, "b1")).as("the first scribe of alice's new log").isPresent();
        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub)).hasSize(11);
    }

    @Test
    void aClientAheadOfAHubRestoredFromAnEarlierCopyGetsWhatTheHubWritesAfterIt() {
        CopiedHub before = copiedHub();
        Scriber alice = before.alice();
        Network.Link link = before.link();
        assertThat(alice.all(Task.class)).hasSize(8);

        link.cut();
        before.hub().close();
        Scriber hub = peer("hub", before.store().restore(before.copy()));
        hub.create(new Task("later", "written after the restore", 1));
        net.link(alice, hub);
        net.settle();

        assertThat(Peers.tasks(alice).keySet()).as("the restored hub's objects, none it lost")
                .containsExactlyInAnyOrder("kept0", "kept1", "kept2", "later");
        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub));
    }

    @Test
    void aClientAheadOfAHubRestoredFromAnEarlierCopyGetsItsNewLogAlsoOnceItGrewPastTheClientsPosition() {
        CopiedHub before = copiedHub();
        Scriber alice = before.alice();
        Network.Link link = before.link();
        assertThat(alice.store().cursor("hub")).contains("8");

        link.cut();
        before.hub().close();
        alice.create(new Task("mine", "alice's, offline", 1));
        Scriber hub = peer("hub", before.store().restore(before.copy()));
        // The restored log issues positions 4 to 10 again, to other scribes: past alice's position 8.
        for (int i = 0; i < 7; i++) {
            hub.create(new Task("later" + i, "written after the restore", i));
        }
        net.link(alice, hub);
        net.settle();

        assertThat(Peers.tasks(alice).keySet()).as("the restored hub's objects, none it lost, and alice's own")
                .containsExactlyInAnyOrder("kept0", "kept1", "kept2", "later0", "later1", "later2", "later3",
                        "later4", "later5", "later6", "mine");
        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub));
    }

    @Test
    void aClientWhosePositionARestoredHubReachedExactlyAgainKeepsWhatIsThereAndIsNotSentASnapshotTwice() {
        CopiedHub before = copiedHub();
        Scriber alice = before.alice();
        Network.Link link = before.link();
        assertThat(alice.store().cursor("hub")).contains("8");
        link.cut();
        before.hub().close();
        Scriber hub = peer("hub", before.store().restore(before.copy()));
        // Positions 4 to 8 again: the restored log ends exactly at alice's position.
        for (int i = 0; i < 5; i++) {
            hub.create(new Task("later" + i, "written after the restore", i));
        }
        link = net.link(alice, hub);
        net.settle();
        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub)).hasSize(8);
        assertThat(alice.store().cursor(LogIdentity.atKeyOf("hub")).orElseThrow())
                .as("what is at position 8 now").endsWith(":hub").startsWith("8:")
                .isEqualTo(LogPosition.of(hub.store().readAfter(7, 1).get(0)).stored());

        link.cut();
        int seen = link.deliveredToA().size();
        link.reconnect();
        net.settle();
        assertThat(link.deliveredToA().subList(seen, link.deliveredToA().size()))
                .as("the next catch-up reads on from position 8").noneMatch(f -> f.contains("\"snapshot\""));
        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub));
    }

    @Test
    void aHubGetsTheNewWritesOfAClientRestoredFromAnEarlierCopyOnceItsLogGrewPastTheHubsPosition() {
        Scriber hub = peer("hub", Store.inMemory());
        Recorded aliceStore = new Recorded(Store.inMemory());
        Scriber alice = peer("alice", aliceStore);
        Network.Link link = net.link(alice, hub);
        for (int i = 0; i < 3; i++) {
            alice.create(new Task("a" + i, "before the copy", i));
        }
        net.settle();
        int copy = aliceStore.commits.size();
        for (int i = 0; i < 3; i++) {
            alice.create(new Task("b" + i, "after the copy", i));
        }
        net.settle();
        long held = Long.parseLong(hub.store().cursor("alice").orElseThrow());

        link.cut();
        alice.close();
        Scriber restored = peer("alice", aliceStore.restore(copy));
        // Her restored log issues the positions after the copy again, to new writes, past the hub's position.
        for (int i = 0; i < 6; i++) {
            restored.create(new Task("c" + i, "after the restore", i));
        }
        assertThat(restored.lastScribeId()).isGreaterThan(held);
        net.link(restored, hub);
        net.settle();

        assertThat(hub.all(Task.class)).extracting(Task::id).as("every write alice made after the restore")
                .contains("c0", "c1", "c2", "c3", "c4", "c5");
        assertThat(Peers.tasks(restored)).isEqualTo(Peers.tasks(hub));
    }

    @Test
    void aHubAnswersAPositionInAnotherLogFromTheStartOfItsOwn() {
        Scriber hub = peer("hub", Store.inMemory());
        Scriber other = peer("hub", Store.inMemory());
        Scriber alice = peer("alice", Store.inMemory());
        for (int i = 0; i < 6; i++) {
            other.create(new Task("other" + i, "another hub's", i));
        }
        for (int i = 0; i < 8; i++) {
            hub.create(new Task("h" + i, "this hub's", i));
        }
        Network.Link link = net.link(alice, other);
        net.settle();
        link.cut();
        assertThat(alice.store().cursor("hub")).as("a position in the other hub's log").contains("6");
        assertThat(hub.logId).isNotEqualTo(other.logId);

        // The same name, another log longer than the position alice holds.
        net.link(alice, hub);
        net.settle();
        assertThat(Peers.tasks(alice).keySet()).as("every object of this hub, none of the other's")
                .containsExactlyInAnyOrder("h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7");
        assertThat(alice.store().cursor(LogIdentity.keyOf("hub"))).contains(hub.logId);
    }

    @Test
    void aClientWhoseStoreFailedTheFirstPageOfTheNewLogStillReadsItWhole() {
        Scriber hub = peer("hub", Store.inMemory());
        Failing store = new Failing(Store.inMemory());
        Scriber alice = peer("alice", store);
        Network.Link link = net.link(alice, hub);
        for (int i = 0; i < 20; i++) {
            hub.create(new Task("old" + i, "old " + i, i));
        }
        net.settle();
        assertThat(alice.store().cursor("hub")).contains("20");

        link.cut();
        hub.close();
        hub = peer("hub", Store.inMemory());
        for (int i = 0; i < 30; i++) {
            hub.create(new Task("new" + i, "after the loss", i));
        }
        // Alice's store fails while she plays the hub's answer (a database restarting): nothing of it is stored.
        store.down = true;
        link = net.link(alice, hub);
        net.settle();
        link.cut();
        store.down = false;
        assertThat(alice.store().cursor("hub")).as("nothing stored").contains("20");
        net.link(alice, hub);
        net.settle();

        assertThat(Peers.tasks(alice)).as("the hub's new log, not only what follows position 20 in it")
                .isEqualTo(Peers.tasks(hub)).hasSize(30);
    }

    @Test
    void aPositionOfTheNewLogEqualToTheOldOneIsStoredWithTheNewLog() {
        Scriber hub = peer("hub", Store.inMemory());
        Scriber alice = peer("alice", Store.inMemory());
        Network.Link link = net.link(alice, hub);
        for (int i = 0; i < 6; i++) {
            hub.create(new Task("old" + i, "old", i));
        }
        net.settle();
        assertThat(alice.store().cursor("hub")).contains("6");
        link.cut();
        hub.close();
        hub = peer("hub", Store.inMemory());
        for (int i = 0; i < 6; i++) {
            hub.create(new Task("new" + i, "new", i));
        }
        link = net.link(alice, hub);
        net.settle();
        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub));
        assertThat(alice.store().cursor("hub")).contains("6");
        assertThat(alice.store().cursor(LogIdentity.keyOf("hub"))).as("stored with the new log").contains(hub.logId);

        // Back again: a page of the new log after 6, not another snapshot.
        link.cut();
        int before = link.deliveredToA().size();
        link.reconnect();
        net.settle();
        List<String> delivered = link.deliveredToA();
        assertThat(Peers.ofType(delivered.subList(before, delivered.size()), "response"))
                .noneMatch(r -> r.has("snapshot"));
    }

    @Test
    void aNodeStatesTheLogIdentityItsSharedStoreHoldsOnceAPeerNamesIt() {
        Store shared = Store.inMemory();
        Scriber node = peer("hub", shared);
        Scriber alice = peer("alice", Store.inMemory());
        Network.Link link = net.link(alice, node);
        node.create(new Task("t1", "one", 1));
        net.settle();
        link.cut();
        // Another node started on the same new store at the same moment named the log last.
        shared.commit(new Commit(List.of(), List.of(), java.util.Map.of(LogIdentity.KEY, "named-by-the-other-node")));
        alice.store().commit(new Commit(List.of(), List.of(),
                java.util.Map.of(LogIdentity.keyOf("hub"), "named-by-the-other-node")));
        Scriber fresh = peer("alice", alice.store());
        alice.close();
        node.create(new Task("t2", "two", 2));
        link = net.link(fresh, node);
        net.settle();
        assertThat(node.logId).isEqualTo("named-by-the-other-node");
        assertThat(Peers.ofType(link.deliveredToA(), "response")).noneMatch(r -> r.has("snapshot"))
                .anyMatch(r -> "named-by-the-other-node".equals(r.path("log").asText()));
        assertThat(Peers.tasks(fresh)).isEqualTo(Peers.tasks(node)).hasSize(2);
    }

    @Test
    void aClientBackWithANewStoreGetsAllItsEarlierWritesOverManyPagesAndAcrossARestart() {
        backWithANewStoreAndRestartedMidCatchUp(Store.inMemory());
    }

    @Test
    void aClientBackWithANewStoreThatTakesOneScribePerCommitGetsAllItsEarlierWritesAcrossARestart() {
        // The new store refuses a commit of more than one scribe, so each page is played one scribe at a time.
        OnePerCommit fresh = new OnePerCommit(Store.inMemory());
        backWithANewStoreAndRestartedMidCatchUp(fresh);
        assertThat(fresh.refused).as("pages were played one scribe at a time").isPositive();
    }

    /**
     * Alice writes 30 tasks, then comes back under her name on {@code fresh}; her catch-up (pages of 4) is cut after
     * a few pages, she restarts on {@code fresh} and catches up again from the cursor she stored: she ends with all
     * her own earlier writes.
     */
    private void backWithANewStoreAndRestartedMidCatchUp(Store fresh) {
        Scriber hub = peer("hub", Store.inMemory());
        Scriber alice = track(Peers.builder("alice").build());
        Network.Link link = net.link(alice, hub);
        for (int i = 0; i < 30; i++) {
            alice.create(new Task("a" + i, "alice's", i));
        }
        net.settle();
        assertThat(hub.all(Task.class)).hasSize(30);
        link.cut();
        alice.close();

        Scriber again = track(Peers.builder("alice").store(fresh).build());
        link = net.link(again, hub);
        for (int i = 0; i < 6; i++) {
            net.deliverOne();
        }
        link.cut();
        again.close();
        assertThat(fresh.cursor("hub")).as("a page was stored").isPresent();
        Scriber third = track(Peers.builder("alice").store(fresh).build());
        net.link(third, hub);
        net.settle();
        assertThat(Peers.tasks(third)).isEqualTo(Peers.tasks(hub)).hasSize(30);
        assertThat(fresh.cursor(LogIdentity.ownKeyOf("hub"))).as("the catch-up reached the end").isEmpty();
    }

    /** A hub, its store recording its commits, and alice linked to it; a copy taken after 3 tasks, then 5 more. */
    private record CopiedHub(Recorded store, Scriber hub, Scriber alice, Network.Link link, int copy) {}

    private CopiedHub copiedHub() {
        Recorded hubStore = new Recorded(Store.inMemory());
        Scriber hub = peer("hub", hubStore);
        Scriber alice = peer("alice", Store.inMemory());
        Network.Link link = net.link(alice, hub);
        for (int i = 0; i < 3; i++) {
            hub.create(new Task("kept" + i, "before the copy", i));
        }
        net.settle();
        int copy = hubStore.commits.size();
        for (int i = 0; i < 5; i++) {
            hub.create(new Task("gone" + i, "after the copy", i));
        }
        net.settle();
        return new CopiedHub(hubStore, hub, alice, link, copy);
    }

    private Scriber track(Scriber s) {
        open.add(s);
        return s;
    }

    private Scriber peer(String id, Store store) {
        Scriber s = Scriber.builder().clientId(id).store(store).register(Task.class).onError(e -> { }).build();
        open.add(s);
        return s;
    }

    /** A store that refuses every commit while it is down. */
    private static final class Failing extends ForwardingStore {
        volatile boolean down;

        Failing(Store delegate) {
            super(delegate);
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (down) {
                throw new IllegalStateException("store down");
            }
            return super.commit(commit);
        }
    }

    /** A store that refuses a commit of more than one scribe (a stricter store than its peers'). */
    private static final class OnePerCommit extends ForwardingStore {
        volatile int refused;

        OnePerCommit(Store delegate) {
            super(delegate);
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (commit.scribes().size() > 1) {
                refused++;
                throw new IllegalStateException("one scribe per commit");
            }
            return super.commit(commit);
        }
    }

    /** A store that keeps its commits, to make a copy of it as it was after the first N. */
    private static final class Recorded extends ForwardingStore {
        final List<Commit> commits = new ArrayList<>();

        Recorded(Store delegate) {
            super(delegate);
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            commits.add(commit);
            return super.commit(commit);
        }

        Store restore(int first) {
            Store copy = Store.inMemory();
            commits.subList(0, first).forEach(copy::commit);
            return copy;
        }
    }
}
