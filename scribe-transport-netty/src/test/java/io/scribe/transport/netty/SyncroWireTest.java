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
}
