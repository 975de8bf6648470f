package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.FrameDecoder;
import io.scribe.core.internal.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conformance with Ruby Syncro 0.0.3, on the bytes two real Syncro peers exchanged (test resources
 * {@code syncro-wire/}, see its README). Scribe's {@code u16} framing reads every frame of every capture, fed read by
 * read as the network delivered them, and a Scribe peer stands in for either side of the exchanges.
 */
class SyncroWireTest {

    /** One TCP read of a capture. */
    record Read(int conn, String dir, byte[] bytes) {}

    static final String[] CAPTURES = {
        "s0_examples_unmodified/capture", "s1_online/capture", "s2_offline/A_online.capture",
        "s2_offline/C_reconnect.capture", "s3_relay/capture", "s4_raw_client/capture", "s5_utf8_ascii/capture",
        "s5_utf8_raw/capture", "s6_redis_server/capture", "s7_conflict/A_online.capture",
        "s7_conflict/C_reconnect.capture"
    };

    static Stream<String> captures() {
        return Stream.of(CAPTURES);
    }

    static List<Read> reads(String capture) throws IOException {
        List<Read> reads = new ArrayList<>();
        try (InputStream in = SyncroWireTest.class.getResourceAsStream("/syncro-wire/" + capture + ".jsonl");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode n = Peers.JSON.readTree(line);
                if (n.has("hex")) {
                    reads.add(new Read(n.get("conn").asInt(), n.get("dir").asText(),
                            HexFormat.of().parseHex(n.get("hex").asText())));
                }
            }
        }
        return reads;
    }

    static JsonNode frames(String capture) throws IOException {
        try (InputStream in = SyncroWireTest.class.getResourceAsStream("/syncro-wire/" + capture + ".frames.json")) {
            return Peers.JSON.readTree(in);
        }
    }

    @ParameterizedTest
    @MethodSource("captures")
    void u16FramingReadsEveryFrameReadByRead(String capture) throws IOException {
        List<String> decoded = new ArrayList<>();
        java.util.Map<String, FrameDecoder> decoders = new java.util.HashMap<>();
        for (Read read : reads(capture)) {
            FrameDecoder d = decoders.computeIfAbsent(read.conn() + read.dir(), k -> new FrameDecoder(2, 0xFFFF));
            d.feed(read.bytes(), 0, read.bytes().length, new FrameDecoder.Sink() {
                @Override
                public void frame(byte[] buf, int offset, int length) {
                    decoded.add(read.conn() + read.dir() + new String(buf, offset, length, StandardCharsets.UTF_8));
                }

                @Override
                public void tooLarge(long length) {
                    throw new AssertionError("frame of " + length);
                }
            });
        }
        List<String> expected = new ArrayList<>();
        for (JsonNode f : frames(capture)) {
            expected.add(f.path("conn").asInt(1) + f.get("dir").asText() + f.get("json").asText());
        }
        assertThat(decoded).isEqualTo(expected);
        decoders.values().forEach(d -> assertThat(d.buffered()).isZero());
        // Every message is JSON Scribe understands: scribes parse, with Syncro's string and numeric ids.
        for (String frame : decoded) {
            String json = frame.substring(4);
            if (json.startsWith("{not")) {
                continue;
            }
            JsonNode message = Json.parse(json);
            if (message.has("scribe")) {
                assertThat(Json.scribe(message.get("scribe")).klass()).isNotEmpty();
            }
            if (message.path("result").isArray()) {
                message.get("result").forEach(s -> assertThat(Json.scribe(s).type()).isNotNull());
            }
        }
    }

    private static Scriber syncroPeer(String id) {
        return Scriber.builder().clientId(id).store(io.scribe.core.spi.Store.inMemory()).register(SyncroTest.class)
                .wire(Wire.syncro()).onError(e -> { }).build();
    }

    private static void feed(Session session, List<Read> reads, String dir) {
        for (Read r : reads) {
            if (r.dir().equals(dir)) {
                session.receiveData(r.bytes());
            }
        }
    }

    @Test
    void aScribeServerAnswersTheRawSyncroClientProbe() throws IOException {
        Scriber server = syncroPeer("server");
        server.create(new SyncroTest("9103799de79237de0ae5763890", "seed-1"));
        server.create(new SyncroTest("396969b05ca35ca6ec2c90bbca", "seed-2"));
        SyncroTest seed = server.find(SyncroTest.class, "9103799de79237de0ae5763890").orElseThrow();
        seed.name = "seed-1b";
        server.save(seed);
        Capture out = new Capture(2);
        Session session = server.client("raw").connect(out, Wire.syncro());
        feed(session, reads("s4_raw_client/capture"), "c2s");

        List<JsonNode> answers = out.messages();
        List<String> shapes = new ArrayList<>();
        for (JsonNode a : answers) {
            String shape = a.get("type").asText() + "#" + a.path("id").asText("-");
            if (a.has("code")) {
                shape += ":" + a.get("code").asInt();
            } else if (a.path("result").isArray()) {
                shape += ":" + a.get("result").size();
            } else {
                shape += ":" + a.path("result").asText();
            }
            shapes.add(shape);
        }
        assertThat(shapes).containsExactly(
                "response#1:3",          // sync from null: the three seed scribes
                "noop#1:",               // its answer will confirm the page was played
                "response#2:true",       // noop
                "response#3:3",          // rpc Syncro::RPC::Default.last_scribe_id
                "error#4:404",           // rpc Kernel.exit: unknown class
                "error#5:405",           // rpc of a method not exposed
                "error#6:403",           // add_scribe of a class not registered
                "response#7:true",       // create raw-1
                "response#8:true",       // update raw-1 (the frame arrived one byte at a time)
                "response#9:true",       // noop, coalesced with the update in one write
                "response#10:true",      // raw UTF-8 create
                // bogus type and a stray response: ignored, as Syncro does
                "response#12:0",         // sync from an id this log never issued
                "response#13:0",         // sync from a Syncro id: opaque to this log
                "response#14:4",         // sync from "": the asker holds nothing of this log: the 3 seeds and
                                         // its own update back (not its creates: it has those records)
                "noop#2:",
                "response#15:true",      // update of an unknown object: an error would make Syncro raise, so
                "sync#3:",               // it is acknowledged and the peer's log read for the missing create
                "response#16:true");     // destroy raw-1
        // The raw client's changes were applied; its raw UTF-8 text arrived intact.
        assertThat(server.find(SyncroTest.class, "raw-1")).isEmpty();
        assertThat(server.find(SyncroTest.class, "raw-2").orElseThrow().name).isEqualTo("café ☃ <&>");
        // The invalid JSON at the end put the stream out of step: the session was closed (the Ruby server raises).
        assertThat(session.isOpen()).isFalse();
        // Every frame sent back is a valid u16 frame whose prefix counts bytes (checked by Capture).
        assertThat(answers.get(0).get("result").get(0).get("klass").asText()).isEqualTo("Test");
    }

    @Test
    void aScribeClientFollowsASyncroServerOnline() throws IOException {
        Scriber client = syncroPeer("client");
        Capture out = new Capture(2);
        Session session = client.client("server").connect(out, Wire.syncro());
        session.sync();
        List<Read> reads = reads("s1_online/capture");
        feed(session, reads, "s2c");
        // The server's create of record 600 and its rename were applied with Syncro's numeric id.
        SyncroTest made = client.find(SyncroTest.class, 600).orElseThrow();
        assertThat(made.name).isEqualTo("server renamed");
        assertThat(session.isCaughtUp()).isTrue();
        // Scribe answered the server's sync and acknowledged each pushed scribe, like the Ruby client did.
        List<String> sent = new ArrayList<>();
        out.messages().forEach(m -> sent.add(m.get("type").asText() + "#" + m.get("id").asText()));
        assertThat(sent).containsExactly("sync#1", "response#1", "response#2", "response#3");
        assertThat(out.messages().get(0).has("limit")).isFalse();
    }

    @Test
    void aScribeClientCatchesUpFromASyncroServerWithSequenceIds() throws IOException {
        Scriber client = syncroPeer("client");
        Capture out = new Capture(2);
        Session session = client.client("server").connect(out, Wire.syncro());
        session.sync();
        feed(session, reads("s6_redis_server/capture"), "s2c");
        assertThat(client.all(SyncroTest.class)).extracting(t -> t.name)
                .containsExactlyInAnyOrder("srv-1b", "srv-2", "srv-3");
        // The cursor is the server's own id of the last scribe processed: "6" (opaque, a string).
        assertThat(client.client("server").cursor()).contains("6");
    }

    @Test
    void aScribeHubRelaysBetweenSyncroClientsUnderItsOwnIds() throws IOException {
        Scriber hub = syncroPeer("server");
        Capture toC1 = new Capture(2);
        Capture toC2 = new Capture(2);
        Session c1 = hub.client("c1").connect(toC1, Wire.syncro());
        Session c2 = hub.client("c2").connect(toC2, Wire.syncro());
        for (Session s : List.of(c1, c2)) {
            s.receiveData(Capture.frame(2, "{\"type\":\"sync\",\"from\":null,\"id\":1}".getBytes(StandardCharsets.UTF_8)));
        }
        for (Read r : reads("s3_relay/capture")) {
            if (r.dir().equals("c2s") && r.conn() == 1) {
                c1.receiveData(r.bytes());
            }
        }
        List<JsonNode> pushed = new ArrayList<>();
        toC2.messages().forEach(m -> {
            if (m.get("type").asText().equals("add_scribe")) {
                pushed.add(m.get("scribe"));
            }
        });
        assertThat(pushed).extracting(s -> s.get("type").asText()).containsExactly("create", "update");
        assertThat(pushed).extracting(s -> s.get("id").asText()).containsExactly("1", "2");
        assertThat(toC1.messages()).noneMatch(m -> m.get("type").asText().equals("add_scribe"));
    }

    @Test
    void aSyncroScribeDeliveredTwiceIsPlayedOnce() {
        Scriber server = syncroPeer("server");
        Session session = server.client("ruby").connect(new Capture(2), Wire.syncro());
        byte[] create = Capture.frame(2, ("{\"type\":\"add_scribe\",\"scribe\":{\"data\":{\"name\":\"a\",\"id\":\"r1\"},"
                + "\"klass\":\"Test\",\"type\":\"create\",\"id\":\"s1\"},\"id\":2}").getBytes(StandardCharsets.UTF_8));
        byte[] rename = Capture.frame(2, ("{\"type\":\"add_scribe\",\"scribe\":{\"data\":[\"r1\",{\"name\":\"b\"}],"
                + "\"klass\":\"Test\",\"type\":\"update\",\"id\":\"s2\"},\"id\":3}").getBytes(StandardCharsets.UTF_8));
        session.receiveData(create);
        session.receiveData(rename);
        session.receiveData(create); // a second delivery of an older scribe must not undo the rename
        assertThat(server.find(SyncroTest.class, "r1").orElseThrow().name).isEqualTo("b");
        assertThat(server.lastScribeId()).isEqualTo(2);
    }
}
