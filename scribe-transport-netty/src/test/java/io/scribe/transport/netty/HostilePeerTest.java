package io.scribe.transport.netty;

import io.scribe.core.Scriber;
import io.scribe.core.Wire;
import io.scribe.testkit.HostilePeerSuite;
import io.scribe.testkit.RawPeer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The hostile-peer suite against the example hub: a ScribeServer over u32 TCP and over WebSocket. */
class HostilePeerTest {

    static final int MAX_FRAME = 1024 * 1024;
    static Scriber hub;
    static ScribeServer server;

    @BeforeAll
    static void start() {
        hub = Peers.peer("hub");
        hub.create(new Note("there-before", "kept", 1));
        server = ScribeServer.builder(hub).tcp(0).webSocket(0, "/scribe").wire(Wire.scribe().withMaxFrameBytes(MAX_FRAME))
                .start();
    }

    @AfterAll
    static void stop() {
        server.close();
        hub.close();
    }

    static HostilePeerSuite.Sample note() {
        return new HostilePeerSuite.Sample("Note", id -> RawPeer.object().put("id", id).put("title", "t")
                .put("rank", 1).set("tags", RawPeer.object().arrayNode()), "title", "tags");
    }

    @Nested
    class OverTcp extends HostilePeerSuite {
        @Override
        protected RawPeer connect(String clientId) throws Exception {
            return RawPeer.tcp("127.0.0.1", server.tcpAddress().getPort(), clientId);
        }

        @Override
        protected Sample sample() {
            return note();
        }

        @Override
        protected int maxFrameBytes() {
            return MAX_FRAME;
        }
    }

    @Nested
    class OverWebSocket extends HostilePeerSuite {
        @Override
        protected RawPeer connect(String clientId) throws Exception {
            return RawPeer.webSocket(server.webSocketUri(), clientId);
        }

        @Override
        protected Sample sample() {
            return note();
        }

        @Override
        protected int maxFrameBytes() {
            return MAX_FRAME;
        }
    }
}
