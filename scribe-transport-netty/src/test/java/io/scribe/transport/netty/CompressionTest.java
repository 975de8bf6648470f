package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static io.scribe.transport.netty.Peers.peer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Scriber;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Inflater;
import org.junit.jupiter.api.Test;

/** Compression negotiated in the hello (TCP) and permessage-deflate (WebSocket), checked on the bytes on the wire. */
class CompressionTest extends ClosingTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static String big(int bytes) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < bytes; i++) {
            sb.append("line ").append(i).append(" of a long document; ");
        }
        return sb.toString();
    }

    private static byte[] frame(String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    /** One raw frame: its prefix word and its payload as sent. */
    private record RawFrame(long word, byte[] payload) {
        boolean compressed() {
            return (word & 0x80000000L) != 0;
        }

        String json() throws Exception {
            if (!compressed()) {
                return new String(payload, StandardCharsets.UTF_8);
            }
            Inflater inflater = new Inflater();
            inflater.setInput(payload);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            while (!inflater.finished()) {
                out.write(chunk, 0, inflater.inflate(chunk));
            }
            inflater.end();
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    private static RawFrame read(DataInputStream in) throws Exception {
        long word = in.readInt() & 0xFFFFFFFFL;
        byte[] payload = new byte[(int) (word & 0x7FFFFFFFL)];
        in.readFully(payload);
        return new RawFrame(word, payload);
    }

    /** Connects raw, says hello (offering deflate or not), asks for the log; returns the frames until the answer. */
    private static List<RawFrame> exchange(ScribeServer server, String client, boolean offer) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.tcpAddress().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            String hello = "{\"type\":\"hello\",\"client\":\"" + client + "\""
                    + (offer ? ",\"compression\":[\"deflate\"]" : "") + "}";
            out.write(frame(hello));
            out.write(frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"limit\":10}"));
            out.flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            List<RawFrame> frames = new ArrayList<>();
            while (true) {
                RawFrame f = read(in);
                frames.add(f);
                JsonNode m = MAPPER.readTree(f.json());
                if ("response".equals(m.path("type").asText()) && m.path("id").asInt() == 1) {
                    return frames;
                }
            }
        }
    }

    @Test
    void tcpFramesOverTheThresholdAreDeflatedOnlyForAPeerThatOffered() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).compression(1024).start());
        String title = big(100_000);
        hub.create(new Note("big", title, 1));

        List<RawFrame> offered = exchange(server, "zipped", true);
        RawFrame hello = offered.get(0);
        assertThat(hello.compressed()).isFalse();
        assertThat(hello.json()).contains("\"compression\":[\"deflate\"]", "\"protocol\":1");
        RawFrame answer = offered.get(offered.size() - 1);
        assertThat(answer.compressed()).isTrue();
        assertThat(answer.payload().length).isLessThan(title.length() / 5);
        assertThat(MAPPER.readTree(answer.json()).path("result").get(0).path("data").path("title").asText())
                .isEqualTo(title);
        // Small frames (the server's own sync request) stay plain.
        assertThat(offered.subList(1, offered.size() - 1)).allSatisfy(f -> assertThat(f.compressed()).isFalse());

        List<RawFrame> plain = exchange(server, "plain", false);
        assertThat(plain.get(0).json()).doesNotContain("compression");
        assertThat(plain).allSatisfy(f -> assertThat(f.compressed()).isFalse());
        assertThat(plain.get(plain.size() - 1).payload().length).isGreaterThan(title.length());
    }

    @Test
    void aServerWithoutCompressionDoesNotAgreeAndSendsPlainFrames() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).start());
        hub.create(new Note("big", big(50_000), 1));
        List<RawFrame> frames = exchange(server, "zipped", true);
        assertThat(frames.get(0).json()).doesNotContain("compression");
        assertThat(frames).allSatisfy(f -> assertThat(f.compressed()).isFalse());
    }

    @Test
    void aCompressedFrameThatInflatesPastTheMaximumClosesTheConnection() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0)
                .wire(io.scribe.core.Wire.scribe().withMaxFrameBytes(64 * 1024)).compression(1024).start());
        try (Socket s = new Socket("127.0.0.1", server.tcpAddress().getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(frame("{\"type\":\"hello\",\"client\":\"bomb\",\"compression\":[\"deflate\"]}"));
            java.util.zip.Deflater deflater = new java.util.zip.Deflater();
            deflater.setInput(new byte[10_000_000]);
            deflater.finish();
            byte[] buf = new byte[100_000];
            int n = deflater.deflate(buf);
            assertThat(deflater.finished()).isTrue();
            out.write(ByteBuffer.allocate(4).putInt((int) (0x80000000L | n)).array());
            out.write(buf, 0, n);
            out.flush();
            InputStream in = s.getInputStream();
            byte[] sink = new byte[65536];
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (in.read(sink) >= 0) {
                assertThat(System.nanoTime()).isLessThan(deadline);
            }
        }
        Peers.await("the session closed", () -> hub.client("bomb").sessions().isEmpty());
    }

    @Test
    void peersWithCompressionConvergeOverTcpAndWebSocket() {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).webSocket(0, "/scribe").compression(512)
                .heartbeat(Duration.ofMillis(500), Duration.ofSeconds(5)).start());
        Scriber a = track(peer("a"));
        Scriber b = track(peer("b"));
        Scriber plain = track(peer("plain"));
        track(ScribeClient.tcp(a, "127.0.0.1", server.tcpAddress().getPort()).compression(512).reconnect(FAST)
                .start()).awaitSession(WAIT);
        track(ScribeClient.webSocket(b, server.webSocketUri()).compression(512).reconnect(FAST).start())
                .awaitSession(WAIT);
        track(ScribeClient.tcp(plain, "127.0.0.1", server.tcpAddress().getPort()).reconnect(FAST).start())
                .awaitSession(WAIT);
        String large = big(100_000);
        a.create(new Note("from-a", large, 1));
        b.create(new Note("from-b", "small", 2));
        plain.create(new Note("from-plain", large + "!", 3));
        awaitConverged(3, hub, a, b, plain);
        assertThat(b.find(Note.class, "from-a").orElseThrow().title).isEqualTo(large);
    }

    @Test
    void theWebSocketUpgradeAgreesToPermessageDeflateAndCompressesMessages() throws Exception {
        Scriber hub = track(peer("hub"));
        ScribeServer server = track(ScribeServer.builder(hub).webSocket(0, "/scribe").compression(512).start());
        try (Socket s = new Socket("127.0.0.1", server.webSocketAddress().getPort())) {
            s.setSoTimeout(10_000);
            String upgrade = "GET /scribe?client=raw HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
            s.getOutputStream().write(upgrade.getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            StringBuilder headers = new StringBuilder();
            while (!headers.toString().endsWith("\r\n\r\n")) {
                headers.append((char) in.read());
            }
            assertThat(headers.toString()).contains("101").containsIgnoringCase("permessage-deflate");
            int first = in.read();
            // FIN, RSV1 (compressed, RFC 7692), text opcode.
            assertThat(first & 0x40).isEqualTo(0x40);
            assertThat(first & 0x0F).isEqualTo(1);
        }
    }
}
