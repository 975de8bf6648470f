package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.peer;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A peer that quits and starts again on its store, then edits what it holds: the hub gets the edits at once. */
class RestartEditTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }

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
