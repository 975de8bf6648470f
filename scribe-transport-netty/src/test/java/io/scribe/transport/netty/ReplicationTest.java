package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static io.scribe.transport.netty.Peers.peer;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Peers replicating through a hub over real loopback sockets, over TCP and over WebSocket. */
class ReplicationTest extends ClosingTest {

    enum Transport { TCP, WEBSOCKET }

    private ScribeServer server(Scriber hub, Transport t, int port) {
        ScribeServer.Builder b = ScribeServer.builder(hub).heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5));
        return track(t == Transport.TCP ? b.tcp(port).start() : b.webSocket(port, "/scribe").start());
    }

    private ScribeClient client(Scriber peer, ScribeServer server, Transport t) {
        ScribeClient.Builder b = t == Transport.TCP
                ? ScribeClient.tcp(peer, "127.0.0.1", server.tcpAddress().getPort())
                : ScribeClient.webSocket(peer, server.webSocketUri());
        ScribeClient c = track(b.reconnect(FAST).heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5)).start());
        c.awaitSession(WAIT);
        return c;
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void twoPeersConvergeThroughTheServer(Transport t) {
        Scriber hub = track(peer("hub"));
        Scriber a = track(peer("a"));
        Scriber b = track(peer("b"));
        ScribeServer server = server(hub, t, 0);
        client(a, server, t);
        client(b, server, t);

        Note n = a.create(new Note("n1", "from a", 1));
        awaitConverged(1, a, b, hub);
        Note onB = b.find(Note.class, "n1").orElseThrow();
        onB.title = "edited on b";
        onB.tags.add("x");
        b.save(onB);
        awaitConverged(1, a, b, hub);
        assertThat(n.title).isEqualTo("edited on b");
        assertThat(n.tags).containsExactly("x");
        a.destroy(n);
        awaitConverged(0, a, b, hub);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void threePeersConvergeOnlineAndAfterAReconnect(Transport t) {
        Scriber hub = track(peer("hub"));
        Scriber a = track(peer("a"));
        Scriber b = track(peer("b"));
        Scriber c = track(peer("c"));
        ScribeServer server = server(hub, t, 0);
        client(a, server, t);
        client(b, server, t);
        ScribeClient toC = client(c, server, t);

        for (int i = 0; i < 20; i++) {
            Scriber who = i % 3 == 0 ? a : i % 3 == 1 ? b : c;
            who.create(new Note("n" + i, "by " + who.id(), i));
        }
        awaitConverged(20, a, b, c, hub);

        // c goes offline; a and b and c keep working; c comes back and catches up both ways.
        toC.close();
        Note onA = a.find(Note.class, "n1").orElseThrow();
        onA.rank = 100;
        a.save(onA);
        b.create(new Note("while-c-away", "b", 7));
        c.create(new Note("made-offline", "c", 8));
        Note onC = c.find(Note.class, "n2").orElseThrow();
        onC.title = "offline edit";
        c.save(onC);
        awaitConverged(21, a, b, hub);

        client(c, server, t);
        awaitConverged(22, a, b, c, hub);
        assertThat(Peers.state(c)).contains("n1 title=by b rank=100 tags=[]", "n2 title=offline edit rank=2 tags=[]");
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void clientsReconnectWhenTheServerRestartsInTheMiddleOfAStreamOfChanges(Transport t) throws Exception {
        Store hubStore = Store.inMemory();
        Scriber hub = track(peer("hub", hubStore));
        Scriber a = track(peer("a"));
        Scriber b = track(peer("b"));
        ScribeServer first = ScribeServer.builder(hub).heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5))
                .tcp(0).webSocket(0, "/scribe").start();
        int tcpPort = first.tcpAddress().getPort();
        int wsPort = first.webSocketAddress().getPort();
        client(a, first, t);
        client(b, first, t);

        int changes = 60;
        for (int i = 0; i < changes; i++) {
            a.create(new Note("a" + i, "a", i));
            b.create(new Note("b" + i, "b", i));
            if (i == changes / 3) {
                first.close();
            }
            if (i == 2 * changes / 3) {
                // Same store, same ports: the clients find it again by themselves and catch up.
                track(ScribeServer.builder(hub).heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5))
                        .tcp(tcpPort).webSocket(wsPort, "/scribe").start());
            }
        }
        awaitConverged(2 * changes, a, b, hub);
    }

    /** A peer that quits and starts again on its store, then edits what it holds: the hub gets the edits at once. */
    @Test
    void editsMadeAfterARestartReachTheHubWhileConnected() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).start());
        Store aliceStore = Store.inMemory();

        Scriber alice = peer("alice", aliceStore);
        ScribeClient first = ScribeClient.tcp(alice, "127.0.0.1", server.tcpAddress().getPort()).reconnect(FAST).start();
        first.awaitSession(WAIT);
        for (int i = 1; i <= 30; i++) {
            alice.create(new Note("t" + i, "task " + i, i));
        }
        Peers.await("the hub holds alice's notes", () -> hub.all(Note.class).size() == 30);
        first.close();
        alice.close();

        Scriber again = track(peer("alice", aliceStore));
        ScribeClient second = track(ScribeClient.tcp(again, "127.0.0.1", server.tcpAddress().getPort())
                .reconnect(FAST).start());
        second.awaitSession(WAIT);
        Note t2 = again.find(Note.class, "t2").orElseThrow();
        t2.title = "edited after the restart";
        again.save(t2);
        again.destroy(again.find(Note.class, "t3").orElseThrow());

        long asked = System.nanoTime();
        Peers.await("the hub holds the edits", () -> "edited after the restart".equals(
                hub.find(Note.class, "t2").map(n -> n.title).orElse(null)) && hub.find(Note.class, "t3").isEmpty());
        // Pushed while connected, not held until the next connection or the end of the session.
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(5));
    }
}
