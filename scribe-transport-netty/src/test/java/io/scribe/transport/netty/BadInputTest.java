package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static io.scribe.transport.netty.Peers.peer;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input on one connection gets an error or a drop, and the other peers keep replicating through the server. */
class BadInputTest {

    private Scriber hub;
    private Scriber a;
    private Scriber b;
    private ScribeServer server;
    private final List<AutoCloseable> open = new ArrayList<>();
    private int counter;

    @BeforeEach
    void start() {
        hub = peer("hub");
        a = peer("a");
        b = peer("b");
        server = ScribeServer.builder(hub).tcp(0).heartbeat(Duration.ofMillis(300), Duration.ofMillis(1500))
                .maxConnections(6).start();
        for (Scriber p : List.of(a, b)) {
            ScribeClient c = ScribeClient.tcp(p, "127.0.0.1", server.tcpAddress().getPort()).reconnect(FAST)
                    .heartbeat(Duration.ofMillis(300), Duration.ofMillis(1500)).start();
            open.add(c);
            c.awaitSession(WAIT);
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        server.close();
        for (Scriber s : List.of(a, b, hub)) {
            s.close();
        }
    }

    /** One change from a that must reach b: the server still serves the good peers. */
    private void othersStillReplicate() {
        int before = Peers.state(a).size();
        a.create(new Note("ok" + counter++, "still fine", 1));
        awaitConverged(before + 1, a, b, hub);
    }

    private Socket raw() throws IOException {
        Socket s = new Socket("127.0.0.1", server.tcpAddress().getPort());
        s.setSoTimeout((int) WAIT.toMillis());
        open.add(s);
        return s;
    }

    private static byte[] frame(String json) {
        byte[] p = json.getBytes(StandardCharsets.UTF_8);
        byte[] f = new byte[4 + p.length];
        f[0] = (byte) (p.length >>> 24);
        f[1] = (byte) (p.length >>> 16);
        f[2] = (byte) (p.length >>> 8);
        f[3] = (byte) p.length;
        System.arraycopy(p, 0, f, 4, p.length);
        return f;
    }

    /** Reads frames until the server closes the connection; returns them as text. */
    private static List<String> readUntilClosed(Socket s) throws IOException {
        List<String> frames = new ArrayList<>();
        DataInputStream in = new DataInputStream(s.getInputStream());
        try {
            while (true) {
                int len = in.readInt();
                byte[] p = new byte[len];
                in.readFully(p);
                frames.add(new String(p, StandardCharsets.UTF_8));
            }
        } catch (EOFException | SocketException closed) {
            return frames;
        }
    }

    private static void hello(Socket s, String guid) throws IOException {
        s.getOutputStream().write(frame("{\"type\":\"hello\",\"client\":\"" + guid + "\"}"));
        s.getOutputStream().flush();
    }

    @Test
    void aClientThatSendsHalfAFrameAndStallsIsDroppedWhileTheOthersGoOn() throws Exception {
        Socket stalled = raw();
        hello(stalled, "stalled");
        OutputStream out = stalled.getOutputStream();
        out.write(new byte[] {0, 0, 0, 100});
        out.write("{\"type\":\"no".getBytes(StandardCharsets.UTF_8));
        out.flush();

        othersStillReplicate();
        othersStillReplicate();
        List<String> got = readUntilClosed(stalled);
        assertThat(got.get(0)).contains("\"hello\"", "\"hub\"");
        othersStillReplicate();
    }

    @Test
    void anOversizedFrameIsAnsweredWith413AndItsConnectionClosed() throws Exception {
        Socket big = raw();
        hello(big, "big");
        big.getOutputStream().write(new byte[] {0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, '{', '"'});
        big.getOutputStream().flush();

        List<String> got = readUntilClosed(big);
        assertThat(got).anySatisfy(f -> assertThat(f).contains("\"error\"", "413"));
        othersStillReplicate();
    }

    @Test
    void garbageInsteadOfAHelloIsRefusedWith400() throws Exception {
        Socket garbage = raw();
        garbage.getOutputStream().write(frame("not a hello"));
        garbage.getOutputStream().flush();

        List<String> got = readUntilClosed(garbage);
        assertThat(got).singleElement().satisfies(f -> assertThat(f).contains("\"error\"", "400"));
        othersStillReplicate();
    }

    @Test
    void anHttpRequestInsteadOfAHelloIsAnsweredInHttpWith400() throws Exception {
        Socket http = raw();
        http.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        http.getOutputStream().flush();

        String got = new String(http.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(got).startsWith("HTTP/1.1 400 Scribe port of length-prefixed frames, not WebSocket\r\n");
        othersStillReplicate();
    }

    @Test
    void garbageAfterTheHelloGetsErrorsAndTheSessionKeepsWorking() throws Exception {
        Socket s = raw();
        hello(s, "noisy");
        s.getOutputStream().write(frame("not json at all"));
        s.getOutputStream().write(frame("{\"type\":\"noop\",\"id\":7}"));
        s.getOutputStream().flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        List<String> frames = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (frames.stream().noneMatch(f -> f.contains("\"response\"") && f.contains("\"id\":7"))
                && System.nanoTime() < deadline) {
            byte[] p = new byte[in.readInt()];
            in.readFully(p);
            frames.add(new String(p, StandardCharsets.UTF_8));
        }
        assertThat(frames).anySatisfy(f -> assertThat(f).contains("\"error\"", "400"));
        assertThat(frames).anySatisfy(f -> assertThat(f).contains("\"response\"", "\"id\":7"));
        othersStillReplicate();
    }

    @Test
    void aHelloNamingOneOfTheHubsOwnRecordsIsRefusedWith400AndTheRecordIsKept() throws Exception {
        // "~acknowledged/a" is where the hub keeps how far a has acknowledged its log: a peer naming itself so
        // would overwrite it with its own cursor (and "~compacted", the compaction mark).
        othersStillReplicate();
        java.util.Optional<String> kept = hub.store().cursor("~acknowledged/a");
        for (String reserved : List.of("~acknowledged/a", "~compacted")) {
            Socket s = raw();
            hello(s, reserved);
            List<String> got = readUntilClosed(s);
            assertThat(got).anySatisfy(f -> assertThat(f).contains("\"error\"", "400", "reserved"));
        }
        assertThat(hub.clientCount()).isEqualTo(2);
        assertThat(hub.store().cursor("~acknowledged/a")).isEqualTo(kept);
        othersStillReplicate();
    }

    @Test
    void aHelloNamingItselfWithAControlCharacterOrAnEndlessNameIsRefusedWith400() throws Exception {
        // Such a name would be a key of the hub's cursors, written with the other clients' acknowledged positions
        // (PostgreSQL refuses U+0000 in a key, which held every client's position back).
        othersStillReplicate();
        // As written in the hello's JSON: escapes of U+0000, a line break and half a surrogate pair.
        for (String bad : List.of("evil\\u0000", "line\\nbreak", "x".repeat(300), "half\\ud83d")) {
            Socket s = raw();
            hello(s, bad);
            List<String> got = readUntilClosed(s);
            assertThat(got).anySatisfy(f -> assertThat(f).contains("\"error\"", "400", "client id"));
        }
        assertThat(hub.clientCount()).isEqualTo(2);
        othersStillReplicate();
    }

    @Test
    void aHelloNamingAConnectedClientIsRefusedWith409AndTheClientKeepsItsSession() throws Exception {
        io.scribe.core.Session live = hub.client("a").sessions().get(0);
        Socket impostor = raw();
        hello(impostor, "a");

        List<String> got = readUntilClosed(impostor);
        assertThat(got).anySatisfy(f -> assertThat(f).contains("\"error\"", "409", "already connected"));
        assertThat(live.isOpen()).isTrue();
        assertThat(hub.client("a").sessions()).containsExactly(live);
        othersStillReplicate();
    }

    @Test
    void aFloodOfConnectionsIsCutAtTheLimitAndTheServerKeepsServing() throws Exception {
        List<Socket> flood = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            flood.add(raw());
        }
        othersStillReplicate();
        // Over the limit: closed at once; under it: closed when no hello came in time.
        for (Socket s : flood) {
            InputStream in = s.getInputStream();
            ByteArrayOutputStream sink = new ByteArrayOutputStream();
            try {
                int r;
                while ((r = in.read()) >= 0) {
                    sink.write(r);
                }
            } catch (SocketException reset) {
                // closed: what we wait for
            }
        }
        othersStillReplicate();
        Peers.await("flood connections closed", () -> server.connections() == 2);
    }
}
