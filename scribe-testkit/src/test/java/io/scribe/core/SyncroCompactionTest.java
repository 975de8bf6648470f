package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.testkit.Network;
import io.scribe.testkit.SyncroModel;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A compacting hub and a Ruby Syncro peer it names anew at every connection (a {@code ScribeServer}'s default): the
 * hub reads the peer's whole log at every reconnection, creates of objects destroyed since included.
 */
class SyncroCompactionTest {

    private final Network net = new Network(new Random(7));
    private final AtomicInteger connections = new AtomicInteger();
    private final List<ScribeException> problems = new CopyOnWriteArrayList<>();
    private Scriber hub;
    private Scriber alice;
    private SyncroModel ruby;
    private Network.Link rubyLink;

    private void start() {
        hub = Peers.builder("hub").onError(problems::add).compaction(Duration.ofDays(365), Duration.ZERO).build();
        alice = Peers.peer("alice");
        ruby = new SyncroModel("Task", new Random(3));
        net.link(alice, hub);
        rubyLink = net.link(hub, ruby, () -> "syncro-" + connections.incrementAndGet());
        net.settle();
    }

    private static ObjectNode task(String title) {
        ObjectNode t = Peers.JSON.createObjectNode().put("title", title).put("done", false).put("priority", 1);
        t.putArray("tags");
        return t;
    }

    /** Cuts ruby's link, and the hub forgets the name of that connection, as a server does. */
    private void rubyLeaves() {
        rubyLink.cut();
        hub.forgetClient("syncro-" + connections.get());
    }

    /** Compacts every scribe alice acknowledged. */
    private void compactAll() {
        net.settle();
        hub.compact();
        net.settle();
        hub.compact();
        assertThat(hub.store().readAfter(0, 10)).extracting(Scribe::type).doesNotContain(Scribe.Type.DESTROY);
    }

    /**
     * Ruby comes back twice under new names: it never raises (a destroy of a record it does not hold would), and the
     * destroyed record does not come back on the hub or alice.
     */
    private void rubyReconnectsTwice(String gone) {
        for (int i = 0; i < 2; i++) {
            rubyLink.reconnect();
            net.settle();
            assertThat(ruby.crashReport()).isNull();
            assertThat(hub.find(Task.class, gone)).isEmpty();
            assertThat(Peers.tasks(alice)).hasSize(1).isEqualTo(Peers.tasks(hub));
            rubyLeaves();
        }
    }

    @Test
    void aRecordTheRubyPeerSawDestroyedStaysDestroyedWhenItsHistoryIsReadAgainAfterCompaction() {
        start();
        String gone = ruby.create(task("ruby's"));
        ruby.create(task("ruby's too"));
        net.settle();
        alice.destroy(alice.find(Task.class, gone).orElseThrow());
        net.settle();
        assertThat(ruby.records()).hasSize(1);
        rubyLeaves();
        compactAll();

        rubyReconnectsTwice(gone);
        assertThat(ruby.records()).hasSize(1);
    }

    @Test
    void aRecordDestroyedWhileTheRubyPeerWasAwayDoesNotComeBackFromItsHistoryAfterCompaction() {
        start();
        String gone = ruby.create(task("ruby's"));
        ruby.create(task("ruby's too"));
        net.settle();
        rubyLeaves();
        alice.destroy(alice.find(Task.class, gone).orElseThrow());
        compactAll();

        rubyReconnectsTwice(gone);
    }
}
