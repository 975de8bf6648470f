package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.await;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.ConnectionStatus;
import io.scribe.core.ConnectionStatus.State;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A peer that speaks the other transport of the port it reaches (WebSocket to a port of length-prefixed frames, or
 * the reverse) is told what the port speaks, in its connection status and its log, and the server keeps serving the
 * peers that speak its transport.
 */
class MisdirectedConnectionTest extends ClosingTest {

    private Scriber peer(String id) {
        return track(Scriber.builder().clientId(id).store(Store.inMemory()).register(Note.class).build());
    }

    /** The cause of the first {@code OFFLINE} status once one with a cause was reported. */
    private static String offlineCause(List<ConnectionStatus> statuses) throws Exception {
        await("an offline status with a cause", () -> statuses.stream()
                .anyMatch(s -> s.state() == State.OFFLINE && s.cause() != null));
        return statuses.stream().filter(s -> s.state() == State.OFFLINE && s.cause() != null).findFirst()
                .orElseThrow().cause().getMessage();
    }

    /** What the server at {@code port} answers to {@code request}, as text, until it closes the connection. */
    private static String answer(int port, byte[] request) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void aWebSocketClientOnAPortOfLengthPrefixedFramesIsToldSoAndThePortKeepsServing() throws Exception {
        Scriber hub = peer("hub");
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).start());
        int port = server.tcpAddress().getPort();

        List<ConnectionStatus> statuses = new CopyOnWriteArrayList<>();
        track(ScribeClient.webSocket(peer("wrong"), URI.create("ws://127.0.0.1:" + port + "/scribe"))
                .reconnect(FAST).onStatus(statuses::add).start());
        assertThat(offlineCause(statuses)).contains("refused the WebSocket upgrade")
                .contains("400 Scribe port of length-prefixed frames, not WebSocket");
        assertThat(statuses).noneMatch(s -> s.state() == State.ONLINE);

        String http = answer(port, ("GET /scribe HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        assertThat(http).startsWith("HTTP/1.1 400 Scribe port of length-prefixed frames, not WebSocket\r\n");

        Scriber right = peer("right");
        track(ScribeClient.tcp(right, "127.0.0.1", port).reconnect(FAST).start()).awaitSession(WAIT);
        right.create(new Note("n1", "over TCP", 1));
        awaitConverged(1, right, hub);
    }

    @Test
    void aClientOfLengthPrefixedFramesOnAWebSocketPortIsToldSoAndThePortKeepsServing() throws Exception {
        Scriber hub = peer("hub");
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe").start());
        int port = server.webSocketUri().getPort();

        List<ConnectionStatus> statuses = new CopyOnWriteArrayList<>();
        track(ScribeClient.tcp(peer("wrong"), "127.0.0.1", port).reconnect(FAST).onStatus(statuses::add).start());
        assertThat(offlineCause(statuses)).contains("the server answered in HTTP")
                .contains("connect with a ws:// address");
        assertThat(statuses).noneMatch(s -> s.state() == State.ONLINE);

        byte[] hello = "{\"type\":\"hello\",\"client\":\"raw\"}".getBytes(StandardCharsets.UTF_8);
        byte[] frame = ByteBuffer.allocate(4 + hello.length).putInt(hello.length).put(hello).array();
        assertThat(answer(port, frame)).startsWith("HTTP/1.1 400 Bad Request\r\n");

        Scriber right = peer("right");
        track(ScribeClient.webSocket(right, server.webSocketUri()).reconnect(FAST).start()).awaitSession(WAIT);
        right.create(new Note("n1", "over WebSocket", 1));
        awaitConverged(1, right, hub);
    }

    @Test
    void aClientThatReachesAnotherServerThanItExpectsIsToldWhichInItsStatus() throws Exception {
        Scriber hub = peer("hub");
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).start());
        List<ConnectionStatus> statuses = new CopyOnWriteArrayList<>();
        track(ScribeClient.tcp(peer("a"), "127.0.0.1", server.tcpAddress().getPort()).serverId("other-hub")
                .reconnect(FAST).onStatus(statuses::add).start());
        assertThat(offlineCause(statuses)).contains("expected server other-hub, reached hub");
    }
}
