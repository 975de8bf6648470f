package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.scribe.core.Policy;
import io.scribe.core.Presence;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Presence over real sockets: join, update, leave, access, throttling, and a peer that vanishes. */
class PresenceTest extends ClosingTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private record Node(Scriber scriber, Presence presence, List<Presence.Peer> seen) {}

    private Node node(String id) {
        Scriber.Builder b = Scriber.builder().clientId(id).store(Store.inMemory())
                .register(Note.class, Policy.<Note>defaults()
                        .withRecipients((note, client) -> !note.title.startsWith("private") || client.equals("a")
                                || client.equals("hub")))
                .onError(e -> { });
        Presence presence = Presence.install(b);
        Scriber scriber = track(b.build());
        track(presence.bind(scriber));
        List<Presence.Peer> seen = new CopyOnWriteArrayList<>();
        presence.listen(seen::add);
        return new Node(scriber, presence, seen);
    }

    private ScribeServer server(Node hub) {
        return track(ScribeServer.builder(hub.scriber()).tcp(0)
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(1)).start());
    }

    private ScribeClient connect(Node n, ScribeServer server) {
        ScribeClient c = track(ScribeClient.tcp(n.scriber(), "127.0.0.1", server.tcpAddress().getPort())
                .heartbeat(Duration.ofMillis(200), Duration.ofSeconds(1)).reconnect(FAST).start());
        c.awaitSession(WAIT);
        return c;
    }

    private static boolean present(Node n, String client, String key, String value) {
        return n.presence().others().stream().anyMatch(p -> p.client().equals(client)
                && p.state() != null && value.equals(p.state().path(key).asText()));
    }

    @Test
    void aRelayedStateOlderThanOneAlreadySeenIsDropped() {
        Node hub = node("hub");
        ScribeServer server = server(hub);
        Node b = node("b");
        connect(b, server);
        io.scribe.core.Session toB = hub.scriber().sessions().stream().filter(s -> s.client().id().equals("b"))
                .findFirst().orElseThrow();
        // A state sent to a joining session can arrive after a newer update of the same session: seq orders them.
        toB.send(NODES.objectNode().put("type", "presence").put("client", "x").put("session", "s1").put("seq", 5)
                .set("state", NODES.objectNode().put("status", "idle")));
        toB.send(NODES.objectNode().put("type", "presence").put("client", "x").put("session", "s1").put("seq", 3)
                .set("state", NODES.objectNode().put("status", "typing")));
        toB.send(NODES.objectNode().put("type", "presence").put("client", "y").put("session", "s2").put("seq", 1)
                .set("state", NODES.objectNode().put("status", "marker")));
        await("b read all three", () -> present(b, "y", "status", "marker"));
        assertThat(present(b, "x", "status", "idle")).isTrue();
        assertThat(b.seen()).noneMatch(p -> p.client().equals("x") && p.state() != null
                && p.state().path("status").asText().equals("typing"));
    }

    @Test
    void othersSeeAJoinAnUpdateAndALeaveAndNothingIsStored() {
        Node hub = node("hub");
        ScribeServer server = server(hub);
        Node a = node("a");
        Node b = node("b");
        connect(a, server);
        connect(b, server);
        long log = hub.scriber().lastScribeId();

        a.presence().set(NODES.objectNode().put("status", "typing"));
        await("b sees a typing", () -> present(b, "a", "status", "typing"));
        assertThat(present(hub, "a", "status", "typing")).isTrue();
        a.presence().set(NODES.objectNode().put("status", "idle"));
        await("b sees a idle", () -> present(b, "a", "status", "idle"));

        // A peer joining later is told the states already set.
        Node c = node("c");
        connect(c, server);
        await("c sees a idle", () -> present(c, "a", "status", "idle"));

        a.presence().set(null);
        await("a left for b", () -> b.presence().others().stream().noneMatch(p -> p.client().equals("a")));
        assertThat(b.seen()).last().satisfies(p -> assertThat(p.state()).isNull());
        assertThat(hub.scriber().lastScribeId()).isEqualTo(log);
        assertThat(a.scriber().lastScribeId()).isZero();
    }

    @Test
    void presenceAboutAnObjectReachesOnlyThoseWhoMaySeeIt() {
        Node hub = node("hub");
        hub.scriber().create(new Note("open", "shared", 1));
        hub.scriber().create(new Note("secret", "private plan", 2));
        ScribeServer server = server(hub);
        Node a = node("a");
        Node b = node("b");
        connect(a, server);
        connect(b, server);
        Node watcher = node("watcher");
        connect(watcher, server);

        // A session has one presence: on the secret note first (only a and the hub may see that note), then on the
        // open one.
        a.presence().set("Note", "secret", NODES.objectNode().put("cursor", 7));
        await("the hub sees a on the secret note", () -> present(hub, "a", "cursor", "7"));
        a.presence().set("Note", "open", NODES.objectNode().put("cursor", 3));
        await("b sees a on open", () -> present(b, "a", "cursor", "3"));
        await("watcher sees a on open", () -> present(watcher, "a", "cursor", "3"));
        assertThat(b.seen()).isNotEmpty().allSatisfy(p -> assertThat(p.id()).isNotEqualTo("secret"));
        assertThat(watcher.seen()).isNotEmpty().allSatisfy(p -> assertThat(p.id()).isNotEqualTo("secret"));
        // b cannot be present on a note it does not hold: its own peer does not send it.
        b.presence().set("Note", "secret", NODES.objectNode().put("cursor", 1));
        b.presence().set(NODES.objectNode().put("cursor", "none"));
        await("a sees b's later presence", () -> present(a, "b", "cursor", "none"));
        assertThat(a.seen()).noneMatch(p -> p.client().equals("b") && "secret".equals(p.id()));
    }

    @Test
    void aBurstOfUpdatesIsThrottledAndTheLastOneWins() {
        Node hub = node("hub");
        ScribeServer server = server(hub);
        Node a = node("a");
        Node b = node("b");
        connect(a, server);
        connect(b, server);
        for (int i = 0; i < 40; i++) {
            a.presence().set(NODES.objectNode().put("n", i));
        }
        await("b sees the last update", () -> present(b, "a", "n", "39"));
        long fromA = b.seen().stream().filter(p -> p.client().equals("a")).count();
        assertThat(fromA).isLessThan(40);
        assertThat(b.seen()).last().satisfies(p -> assertThat(p.state().path("n").asInt()).isEqualTo(39));
    }

    @Test
    void aPeerThatVanishesWithoutAGoodbyeIsDroppedAfterTheHeartbeatTimeout() throws Exception {
        Node hub = node("hub");
        ScribeServer server = server(hub);
        Node b = node("b");
        connect(b, server);
        try (Socket ghost = new Socket("127.0.0.1", server.tcpAddress().getPort())) {
            OutputStream out = ghost.getOutputStream();
            out.write(frame("{\"type\":\"hello\",\"client\":\"ghost\"}"));
            out.write(frame("{\"type\":\"presence\",\"state\":{\"status\":\"here\"}}"));
            out.flush();
            await("b sees the ghost", () -> present(b, "ghost", "status", "here"));
            // It now says nothing more and reads nothing: the server's idle timeout (1 s) drops it.
            await("the ghost is gone for b",
                    () -> b.presence().others().stream().noneMatch(p -> p.client().equals("ghost")));
            assertThat(hub.presence().others()).noneMatch(p -> p.client().equals("ghost"));
        }
    }

    @Test
    void aSessionThatSetsItsStateRightAfterItsHelloIsStillSentTheOthers() throws Exception {
        Node hub = node("hub");
        ScribeServer server = server(hub);
        Node a = node("a");
        connect(a, server);
        a.presence().set(NODES.objectNode().put("status", "typing"));
        await("the hub sees a", () -> present(hub, "a", "status", "typing"));
        hub.presence().set(NODES.objectNode().put("status", "hosting"));
        await("a sees the hub", () -> present(a, "hub", "status", "hosting"));
        try (Socket late = new Socket("127.0.0.1", server.tcpAddress().getPort())) {
            // A client re-sending its state after a reconnect: the presence follows the hello at once, before the
            // server's sweep noticed the session; the session must still be sent the states already set.
            late.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = late.getOutputStream();
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.write(frame("{\"type\":\"hello\",\"client\":\"late\"}"));
            both.write(frame("{\"type\":\"presence\",\"state\":{\"status\":\"back\"}}"));
            out.write(both.toByteArray());
            out.flush();
            DataInputStream in = new DataInputStream(late.getInputStream());
            List<JsonNode> presences = new ArrayList<>();
            long end = System.nanoTime() + WAIT.toNanos(); // the server's heartbeats keep the socket talking
            while (System.nanoTime() < end && (presences.stream().noneMatch(m -> m.path("client").asText().equals("a"))
                    || presences.stream().noneMatch(m -> m.path("client").asText().equals("hub")))) {
                byte[] payload = new byte[in.readInt()];
                in.readFully(payload);
                JsonNode m = MAPPER.readTree(payload);
                if (m.path("type").asText().equals("presence")) {
                    presences.add(m);
                } else if (m.hasNonNull("id") && !m.path("type").asText().equals("response")) {
                    // Keep the session alive and answered (its sync request, heartbeats).
                    String answer = m.path("type").asText().equals("sync")
                            ? "{\"type\":\"response\",\"id\":" + m.get("id") + ",\"result\":[],\"more\":false}"
                            : "{\"type\":\"response\",\"id\":" + m.get("id") + ",\"result\":true}";
                    out.write(frame(answer));
                    out.flush();
                }
            }
            assertThat(presences).anySatisfy(m -> {
                assertThat(m.path("client").asText()).isEqualTo("a");
                assertThat(m.path("state").path("status").asText()).isEqualTo("typing");
            });
            assertThat(presences).anySatisfy(m -> {
                assertThat(m.path("client").asText()).isEqualTo("hub");
                assertThat(m.path("state").path("status").asText()).isEqualTo("hosting");
            });
            // Its own state is relayed to the others, never sent back to it.
            await("a sees late", () -> present(a, "late", "status", "back"));
            assertThat(presences).noneMatch(m -> m.path("client").asText().equals("late"));
        }
    }

    private static byte[] frame(String json) {
        byte[] payload = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }
}
