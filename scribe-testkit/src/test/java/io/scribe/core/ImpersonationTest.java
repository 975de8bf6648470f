package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.internal.Json;
import io.scribe.core.spi.Connection;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Without an authentication gate, naming a connected client neither cuts it off nor moves its cursor. */
class ImpersonationTest {

    private final Network net = new Network(new Random(6));

    /** A connection whose frames are kept, never delivered. */
    private static final class Sink implements Connection {
        final List<byte[]> sent = new ArrayList<>();
        boolean closed;

        @Override
        public void send(byte[] frame) {
            sent.add(frame);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void aSecondSessionNamingALiveClientIsRefusedWith409AndTheClientStaysConnected() {
        Scriber hub = Peers.peer("hub");
        Scriber victim = Peers.peer("victim");
        Network.Link link = net.link(victim, hub);
        net.settle();
        String cursor = hub.client("victim").cursor().orElse(null);

        assertThatThrownBy(() -> hub.client("victim").connect(new Sink()))
                .isInstanceOfSatisfying(ScribeException.class, e -> assertThat(e.code()).isEqualTo(409))
                .hasMessageContaining("already connected");

        assertThat(link.sessionB().isOpen()).isTrue();
        assertThat(hub.client("victim").sessions()).containsExactly(link.sessionB());
        assertThat(hub.client("victim").cursor().orElse(null)).isEqualTo(cursor);
        // The victim's changes keep arriving, and the cursor moves only by them.
        Task t = victim.create(new Task("still here", 1));
        net.settle();
        assertThat(hub.find(Task.class, t.id())).isPresent();
        assertThat(hub.client("victim").cursor()).contains(String.valueOf(victim.lastScribeId()));
    }

    @Test
    void withSessionTakeoverTheOlderSessionIsClosed() {
        Scriber hub = Peers.builder("hub").sessionTakeover(true).build();
        Scriber peer = Peers.peer("peer");
        Network.Link link = net.link(peer, hub);
        net.settle();

        Session again = hub.client("peer").connect(new Sink());

        assertThat(link.sessionB().isOpen()).isFalse();
        assertThat(hub.client("peer").sessions()).containsExactly(again);
    }

    @Test
    void aRefusedPushWithAHugeIdDoesNotMoveTheSendersCursor() {
        Scriber hub = Peers.builder("hub").onError(e -> { }).build();
        Scriber peer = Peers.peer("peer");
        Network.Link link = net.link(peer, hub);
        net.settle();
        peer.create(new Task("one", 1));
        net.settle();
        String cursor = hub.client("peer").cursor().orElseThrow();

        var scribe = Json.object().put("id", "999999999").put("klass", "Nope").put("type", "create")
                .put("origin", "peer");
        scribe.set("data", Json.object().put("id", "x"));
        var message = Json.object().put("type", "add_scribe");
        message.set("scribe", scribe);
        link.sessionA().request(message);
        net.settle();

        assertThat(hub.client("peer").cursor()).contains(cursor);
        // What the peer writes next still arrives.
        Task next = peer.create(new Task("two", 2));
        link.cut();
        link.reconnect();
        net.settle();
        assertThat(hub.find(Task.class, next.id())).isPresent();
    }
}
