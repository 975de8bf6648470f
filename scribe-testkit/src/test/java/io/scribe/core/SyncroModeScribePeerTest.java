package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.Network;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A Scribe peer that speaks Syncro's protocol to a hub which names each of its connections anew (a {@code
 * ScribeServer}'s default for Syncro connections, the example peer's {@code --framing u16}): at every reconnection
 * the hub reads the peer's log again from its start, and that history must not undo what other peers wrote since.
 */
class SyncroModeScribePeerTest {

    private final Network net = new Network(new Random(41));
    private final AtomicInteger connections = new AtomicInteger();
    private final List<ScribeException> problems = new CopyOnWriteArrayList<>();

    private Scriber hub;
    private Scriber alice;
    private Scriber carol;
    /** carol's link to the hub, on which the hub names each of her connections anew. */
    private Network.Link carolLink;

    /** The hub, alice (a Scribe peer) and carol (speaking Syncro's protocol), connected; a compacting hub or not. */
    private void start(boolean compacting) {
        Scriber.Builder b = Peers.builder("hub").onError(problems::add);
        hub = (compacting ? b.compaction(java.time.Duration.ofDays(365), java.time.Duration.ZERO) : b).build();
        alice = Peers.peer("alice");
        carol = Peers.peer("carol");
        net.link(alice, hub);
        carolLink = net.link(carol, hub, Wire.syncro(), () -> "syncro-" + connections.incrementAndGet());
        net.settle();
    }

    @Test
    void anotherPeersEditOfAnObjectTheSyncroModePeerCreatedSurvivesItsReconnection() {
        start(false);
        Task mine = carol.create(new Task("c1", "carol's", 1));
        net.settle();
        assertThat(alice.find(Task.class, "c1")).isPresent();

        carolLink.cut();
        hub.forgetClient("syncro-1");
        Task theirs = alice.find(Task.class, "c1").orElseThrow();
        theirs.setTitle("alice's edit");
        alice.save(theirs);
        net.settle();
        assertThat(hub.find(Task.class, "c1").orElseThrow().title()).isEqualTo("alice's edit");

        carolLink.reconnect();
        net.settle();

        assertThat(hub.find(Task.class, "c1").orElseThrow().title()).isEqualTo("alice's edit");
        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub)).isEqualTo(Peers.tasks(carol));
        assertThat(mine.title()).isEqualTo("alice's edit");
        // carol's own create, relayed back to her under the name the hub gave her, re-asserted nothing.
        assertThat(carol.store().readAfter(0, 100)).extracting(Scribe::type).containsExactly(Scribe.Type.CREATE,
                Scribe.Type.UPDATE);
        assertThat(problems).isEmpty();
    }

    @Test
    void aDestroyTheSyncroModePeerMadeOfflineReachesTheHubThatDoesNotRecogniseIt() {
        start(false);
        alice.create(new Task("a1", "alice's", 1));
        alice.create(new Task("a2", "alice's too", 2));
        net.settle();
        assertThat(Peers.tasks(carol)).hasSize(2);

        carolLink.cut();
        hub.forgetClient("syncro-1");
        carol.destroy(carol.find(Task.class, "a1").orElseThrow());
        carolLink.reconnect();
        net.settle();

        // The hub asked carol for her log from its start (a new name) while holding a1, which it had sent her.
        assertThat(hub.find(Task.class, "a1")).isEmpty();
        assertThat(Peers.tasks(alice)).hasSize(1).isEqualTo(Peers.tasks(hub)).isEqualTo(Peers.tasks(carol));
        assertThat(problems).isEmpty();
    }

    @Test
    void anotherPeersEditSurvivesWhenTheHubAnswersTheReconnectedPeerWithASnapshot() {
        // The hub compacts everything its connected peers acknowledged: carol, forgotten, is behind it when she returns.
        start(true);
        Task mine = carol.create(new Task("c1", "carol's", 1));
        net.settle();

        carolLink.cut();
        hub.forgetClient("syncro-1");
        Task theirs = alice.find(Task.class, "c1").orElseThrow();
        theirs.setTitle("alice's edit");
        alice.save(theirs);
        net.settle();
        hub.compact();
        net.settle();
        hub.compact();
        assertThat(hub.store().readAfter(0, 10)).extracting(Scribe::type).doesNotContain(Scribe.Type.CREATE);

        carolLink.reconnect();
        net.settle();

        assertThat(Peers.tasks(alice)).isEqualTo(Peers.tasks(hub)).isEqualTo(Peers.tasks(carol));
        assertThat(mine.title()).isEqualTo("alice's edit");
    }

    @Test
    void anObjectDestroyedWhileTheSyncroModePeerWasAwayStaysDestroyedAfterTheHubCompacted() {
        start(true);
        carol.create(new Task("c1", "carol's", 1));
        carol.create(new Task("c2", "carol's too", 2));
        net.settle();
        assertThat(Peers.tasks(alice)).hasSize(2);

        carolLink.cut();
        hub.forgetClient("syncro-1");
        alice.destroy(alice.find(Task.class, "c1").orElseThrow());
        net.settle();
        hub.compact();
        net.settle();
        hub.compact();
        assertThat(hub.store().readAfter(0, 10)).extracting(Scribe::type).doesNotContain(Scribe.Type.DESTROY);

        // The hub reads carol's log from its start again, her create of c1 in it: the tombstone it kept says c1 is
        // gone, and carol is sent the destroy.
        carolLink.reconnect();
        net.settle();

        assertThat(hub.find(Task.class, "c1")).isEmpty();
        assertThat(hub.store().object("Task", "c1")).hasValueSatisfying(o -> assertThat(o.destroyed()).isTrue());
        assertThat(Peers.tasks(alice)).hasSize(1).isEqualTo(Peers.tasks(hub)).isEqualTo(Peers.tasks(carol));
    }
}
