package io.scribe.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Syncro-mode server (u16, no hello) fed the bytes a Ruby Syncro client sent in the {@code s4_raw_client} capture,
 * read by read as they were captured (single bytes, coalesced frames, raw UTF-8, junk at the end).
 */
class SyncroWireTest {

    private static final Path CAPTURE = Path.of(System.getProperty("scribe.syncroWire", "../scribe-testkit/src/test/resources/syncro-wire"),
            "s4_raw_client", "capture.jsonl");

    /** The Ruby side's model. */
    @Synced(value = "Test", explicit = true)
    static final class Test1 {
        @SyncId
        String id;
        String name;
    }

    @Test
    void aSyncroServerAnswersTheCapturedClientBytesOverARealSocket() throws Exception {
        if (!Files.exists(CAPTURE)) {
            throw new AssertionError("Syncro captures missing: " + CAPTURE.toAbsolutePath());
        }
        ObjectMapper json = new ObjectMapper();
        List<byte[]> reads = new ArrayList<>();
        for (String line : Files.readAllLines(CAPTURE)) {
            JsonNode n = json.readTree(line);
            if (n.path("conn").asInt() == 1 && "c2s".equals(n.path("dir").asText())) {
                reads.add(HexFormat.of().parseHex(n.path("hex").asText()));
            }
        }
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Test1.class)
                .wire(Wire.syncro()).onError(e -> { }).build();
        try (ScribeServer server = ScribeServer.builder(hub).wire(Wire.syncro()).tcp(0)
                .syncroClientNames(a -> "ruby").start();
                Socket s = new Socket("127.0.0.1", server.tcpAddress().getPort())) {
            s.setSoTimeout((int) Peers.WAIT.toMillis());
            OutputStream out = s.getOutputStream();
            for (byte[] r : reads) {
                out.write(r);
                out.flush();
            }
            DataInputStream in = new DataInputStream(s.getInputStream());
            List<String> answers = new ArrayList<>();
            long deadline = System.nanoTime() + Peers.WAIT.toNanos();
            while (answers.stream().noneMatch(a -> a.contains("\"id\":16")) && System.nanoTime() < deadline) {
                byte[] p = new byte[in.readUnsignedShort()];
                in.readFully(p);
                answers.add(new String(p, StandardCharsets.UTF_8));
            }
            assertThat(answers.get(0)).startsWith("{\"type\":\"sync\"").doesNotContain("limit");
            assertThat(answers).anySatisfy(a -> assertThat(a).contains("\"response\"", "\"id\":2", "true"));
            assertThat(answers).anySatisfy(a -> assertThat(a).contains("\"error\"", "404"));
            assertThat(answers).anySatisfy(a -> assertThat(a).contains("\"error\"", "405"));
            assertThat(answers).anySatisfy(a -> assertThat(a).contains("\"error\"", "403"));
            assertThat(answers).anySatisfy(a -> assertThat(a).contains("\"response\"", "\"id\":16"));
            assertThat(hub.find(Test1.class, "raw-2")).get().extracting(t -> t.name).isEqualTo("café ☃ <&>");
            assertThat(hub.find(Test1.class, "raw-1")).isEmpty();
            // The invalid JSON that follows put the stream out of step: the server closed the connection.
            while (in.read() >= 0) {
                // the rest of what was sent before the close
            }
            assertThat(hub.client("ruby").sessions()).isEmpty();
        } finally {
            hub.close();
        }
    }

    /** A raw Syncro peer on a socket: writes frames as Syncro does and reads the u16 frames it is sent. */
    private static final class RawSyncro implements AutoCloseable {
        final Socket socket;
        final DataInputStream in;
        final List<String> read = new ArrayList<>();

        RawSyncro(int port) throws Exception {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout((int) Peers.WAIT.toMillis());
            in = new DataInputStream(socket.getInputStream());
        }

        void send(String json) throws Exception {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            OutputStream out = socket.getOutputStream();
            out.write(new byte[] {(byte) (b.length >>> 8), (byte) b.length});
            out.write(b);
            out.flush();
        }

        /** Reads frames until one contains {@code text}; returns it. */
        String await(String text) throws Exception {
            while (true) {
                byte[] p = new byte[in.readUnsignedShort()];
                in.readFully(p);
                String frame = new String(p, StandardCharsets.UTF_8);
                read.add(frame);
                if (frame.contains(text)) {
                    return frame;
                }
            }
        }

        @Override
        public void close() throws Exception {
            socket.close();
        }
    }

    @Test
    void twoSyncroPeersOnOneHostAreTwoClientsAndAPeerBackEmptyGetsEverything() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Test1.class)
                .wire(Wire.syncro()).onError(e -> { }).build();
        try (ScribeServer server = ScribeServer.builder(hub).wire(Wire.syncro()).tcp(0).start();
                RawSyncro a = new RawSyncro(server.tcpAddress().getPort());
                RawSyncro b = new RawSyncro(server.tcpAddress().getPort())) {
            for (RawSyncro peer : List.of(a, b)) {
                peer.await("\"type\":\"sync\"");
                peer.send("{\"type\":\"response\",\"id\":1,\"result\":[]}");
                peer.send("{\"type\":\"sync\",\"from\":null,\"id\":1}");
                peer.await("\"response\"");
            }
            a.send("{\"type\":\"add_scribe\",\"scribe\":{\"data\":{\"name\":\"from a\",\"id\":\"ra\"},"
                    + "\"klass\":\"Test\",\"type\":\"create\",\"id\":\"a1\"},\"id\":2}");
            b.send("{\"type\":\"add_scribe\",\"scribe\":{\"data\":{\"name\":\"from b\",\"id\":\"rb\"},"
                    + "\"klass\":\"Test\",\"type\":\"create\",\"id\":\"b1\"},\"id\":2}");
            // Each gets the other's change: they are two clients, neither closes the other's session.
            assertThat(b.await("from a")).contains("add_scribe");
            assertThat(a.await("from b")).contains("add_scribe");
            List<String> names = new ArrayList<>();
            hub.sessions().forEach(s -> names.add(s.client().id()));
            assertThat(names).hasSize(2).doesNotHaveDuplicates()
                    .allSatisfy(n -> assertThat(n).startsWith("syncro-127.0.0.1:"));
            // a comes back empty from the same host: a new client, and a full catch-up with its own record.
            a.close();
            try (RawSyncro again = new RawSyncro(server.tcpAddress().getPort())) {
                again.await("\"type\":\"sync\"");
                again.send("{\"type\":\"response\",\"id\":1,\"result\":[]}");
                again.send("{\"type\":\"sync\",\"from\":null,\"id\":1}");
                String page = again.await("\"response\"");
                assertThat(page).contains("from a", "from b");
            }
        } finally {
            hub.close();
        }
    }

    @Test
    void unnamedSyncroPeersAreForgottenWhenTheirConnectionEnds() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Test1.class)
                .wire(Wire.syncro()).onError(e -> { }).build();
        List<String> names = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ScribeServer server = ScribeServer.builder(hub).wire(Wire.syncro()).tcp(0)
                .onSession(s -> names.add(s.client().id())).start()) {
            int before = hub.clientCount();
            for (int i = 0; i < 100; i++) {
                try (RawSyncro peer = new RawSyncro(server.tcpAddress().getPort())) {
                    // Its history holds one create: the hub stores a cursor in this peer's log.
                    peer.await("\"type\":\"sync\"");
                    peer.send("{\"type\":\"response\",\"id\":1,\"result\":[{\"data\":{\"name\":\"n" + i
                            + "\",\"id\":\"r" + i + "\"},\"klass\":\"Test\",\"type\":\"create\",\"id\":\"s" + i + "\"}]}");
                    peer.send("{\"type\":\"sync\",\"from\":null,\"id\":1}");
                    // The hub asks again after the page (nothing more), then answers.
                    String frame;
                    while (!(frame = peer.await("\"type\"")).contains("\"response\"")) {
                        if (frame.contains("\"sync\"")) {
                            String id = frame.replaceAll(".*\"id\":(\\d+).*", "$1");
                            peer.send("{\"type\":\"response\",\"id\":" + id + ",\"result\":[]}");
                        }
                    }
                }
            }
            long deadline = System.nanoTime() + Peers.WAIT.toNanos();
            while ((hub.clientCount() > before || !hub.sessions().isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(names).hasSize(100).doesNotHaveDuplicates();
            assertThat(hub.sessions()).isEmpty();
            assertThat(hub.clientCount()).as("client records after 100 connections").isEqualTo(before);
            assertThat(names).allSatisfy(n -> assertThat(hub.store().cursor(n)).as("cursor of " + n).isEmpty());
            // What they sent is kept: forgetting a client forgets who it was, not its changes.
            assertThat(hub.all(Test1.class)).hasSize(100);
        } finally {
            hub.close();
        }
    }

    @Test
    void aScribeClientReadingAWrappedSyncroFrameReconnectsAndCatchesUp() throws Exception {
        Scriber client = Scriber.builder().clientId("client").store(Store.inMemory()).register(Test1.class)
                .wire(Wire.syncro()).onError(e -> { }).build();
        try (java.net.ServerSocket rubyServer = new java.net.ServerSocket(0, 5,
                java.net.InetAddress.getLoopbackAddress())) {
            rubyServer.setSoTimeout((int) Peers.WAIT.toMillis());
            try (ScribeClient c = ScribeClient.tcp(client, "127.0.0.1", rubyServer.getLocalPort()).wire(Wire.syncro())
                    .reconnect(Peers.FAST).start()) {
                try (Socket first = rubyServer.accept()) {
                    first.setSoTimeout((int) Peers.WAIT.toMillis());
                    DataInputStream in = new DataInputStream(first.getInputStream());
                    byte[] sync = new byte[in.readUnsignedShort()];
                    in.readFully(sync);
                    // A Ruby server's answer of 65,600 bytes: [length].pack('n') wraps to 64.
                    String big = "{\"type\":\"response\",\"id\":1,\"result\":[{\"data\":{\"name\":\""
                            + "x".repeat(65_600 - 120) + "\",\"id\":\"big\"},\"klass\":\"Test\",\"type\":\"create\","
                            + "\"id\":\"s1\"}]}";
                    byte[] json = big.getBytes(StandardCharsets.UTF_8);
                    OutputStream out = first.getOutputStream();
                    out.write(new byte[] {(byte) (json.length >>> 8), (byte) json.length});
                    out.write(json);
                    out.flush();
                    // The client closes the out-of-step connection...
                    assertThat(in.read()).isEqualTo(-1);
                }
                // ...reconnects, and catches up from its cursor (none yet: from null).
                try (Socket second = rubyServer.accept()) {
                    second.setSoTimeout((int) Peers.WAIT.toMillis());
                    DataInputStream in = new DataInputStream(second.getInputStream());
                    byte[] sync = new byte[in.readUnsignedShort()];
                    in.readFully(sync);
                    assertThat(new String(sync, StandardCharsets.UTF_8)).contains("\"type\":\"sync\"", "\"from\":null");
                }
            }
        } finally {
            client.close();
        }
        assertThat(client.find(Test1.class, "big")).isEmpty();
    }
}
