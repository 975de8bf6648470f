package io.scribe.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub of Scribe's own wire that also listens for Syncro peers (as the example peer's {@code --syncro-listen}): the
 * Syncro listener narrows what the hub accepts to what fits a u16 frame from the start, before any Syncro peer has
 * connected, so that no scribe is stored that a Syncro peer could never get.
 */
class SyncroFrameLimitTest {

    private static final String HUGE = "x".repeat(70_000);

    private final List<ScribeException> hubErrors = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new java.util.ArrayList<>();

    private Scriber scriber(String id, List<ScribeException> errors) {
        Scriber s = Scriber.builder().clientId(id).store(Store.inMemory()).register(SyncroWireTest.Test1.class)
                .requestTimeout(Duration.ofSeconds(10)).onError(errors::add).build();
        open.add(s);
        return s;
    }

    private static SyncroWireTest.Test1 test(String id, String name) {
        SyncroWireTest.Test1 t = new SyncroWireTest.Test1();
        t.id = id;
        t.name = name;
        return t;
    }

    private <T extends AutoCloseable> T opened(T c) {
        open.add(0, c);
        return c;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    @Test
    void aSyncroListenerRefusesALocalWriteTooBigForU16BeforeAnySyncroPeerConnected() {
        Scriber hub = scriber("hub", hubErrors);
        opened(ScribeServer.builder(hub).tcp(0).start());
        // A Scribe-wire server alone: 70 KB fits its frames.
        hub.create(test("fits-u32", HUGE));
        assertThat(hub.lastScribeId()).isEqualTo(1);

        opened(ScribeServer.builder(hub).wire(Wire.syncro()).tcp(0).start());
        assertThat(hub.sessions()).isEmpty();
        assertThatThrownBy(() -> hub.create(test("huge", HUGE)))
                .isInstanceOf(ScribeException.class)
                .satisfies(e -> assertThat(((ScribeException) e).code()).isEqualTo(ScribeException.TOO_LARGE))
                .hasMessageContaining("needs a frame of");
        assertThat(hub.find(SyncroWireTest.Test1.class, "huge")).isEmpty();
        assertThat(hub.lastScribeId()).isEqualTo(1);
        // What fits a u16 frame is still recorded.
        hub.create(test("small", "fits"));
        assertThat(hub.lastScribeId()).isEqualTo(2);
    }

    @Test
    void aU32PeersPushTooBigForTheHubsSyncroPeersIsRefusedAndEveryoneAgrees() throws Exception {
        Scriber hub = scriber("hub", hubErrors);
        ScribeServer scribeServer = opened(ScribeServer.builder(hub).tcp(0).start());
        ScribeServer syncroServer = opened(ScribeServer.builder(hub).wire(Wire.syncro()).tcp(0).start());
        Scriber alice = scriber("alice", new CopyOnWriteArrayList<>());
        opened(ScribeClient.tcp(alice, "127.0.0.1", scribeServer.tcpAddress().getPort()).reconnect(Peers.FAST).start());

        // alice speaks u32 only: her own Scriber records 70 KB, and pushes it.
        alice.create(test("huge", HUGE));
        alice.create(test("small", "after"));
        Peers.await("the small one at the hub", () -> hub.find(SyncroWireTest.Test1.class, "small").isPresent());
        // The hub refused the big one with 413 (never stored), and told alice, who removed it.
        Peers.await("the refusal undone at alice", () -> alice.find(SyncroWireTest.Test1.class, "huge").isEmpty());
        assertThat(hub.find(SyncroWireTest.Test1.class, "huge")).isEmpty();
        assertThat(hubErrors).anySatisfy(e -> assertThat(e.code()).isEqualTo(ScribeException.TOO_LARGE));
        assertThat(hub.lastScribeId()).isEqualTo(1);

        // A Syncro peer joins: its catch-up holds what the hub holds, and nothing was left out of it.
        try (Socket s = new Socket("127.0.0.1", syncroServer.tcpAddress().getPort())) {
            s.setSoTimeout((int) Peers.WAIT.toMillis());
            DataInputStream in = new DataInputStream(s.getInputStream());
            assertThat(read(in)).startsWith("{\"type\":\"sync\"");
            send(s, "{\"type\":\"response\",\"id\":1,\"result\":[]}");
            send(s, "{\"type\":\"sync\",\"from\":null,\"id\":1}");
            String page = read(in);
            while (!page.contains("\"response\"")) {
                page = read(in);
            }
            assertThat(page).contains("\"id\":\"small\"", "after").doesNotContain("\"huge\"");
        }
        assertThat(hubErrors).noneSatisfy(e -> assertThat(e.getMessage()).containsAnyOf("not sent", "skipped"));
        assertThat(alice.all(SyncroWireTest.Test1.class)).extracting(t -> t.id).containsExactly("small");
    }

    private static void send(Socket s, String json) throws Exception {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        OutputStream out = s.getOutputStream();
        out.write(new byte[] {(byte) (b.length >>> 8), (byte) b.length});
        out.write(b);
        out.flush();
    }

    private static String read(DataInputStream in) throws Exception {
        byte[] p = new byte[in.readUnsignedShort()];
        in.readFully(p);
        return new String(p, StandardCharsets.UTF_8);
    }
}
