package io.scribe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.conformance.SyncroConformance.Result;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Plays the server side of Ruby Syncro 0.0.3 over a socket and drives a connecting peer (a client), checking its
 * answers and, when it is given a {@link ClientUnderTest}, the records it ends with. The client must register a class
 * {@code Test} with a string field {@code name}, connect to the kit's port, reconnect when the connection ends, and
 * keep its cursor (the id of the last scribe it played) across reconnects. Framing {@code u16} (Syncro's: no hello)
 * or {@code u32} (Scribe's: the client sends a {@code hello} first, the kit answers with its own). The scenarios run
 * in order on one client: each builds on what the client holds after the one before.
 *
 * <pre>
 * java -cp scribe-conformance.jar:jackson-databind.jar:… io.scribe.conformance.SyncroClientConformance PORT u16|u32
 * </pre>
 *
 * listens on {@code PORT} and waits for the client; prints one line per scenario and exits 0 when all passed. From
 * the command line the kit sees only the wire: the scenarios that need the client's records or a local change of
 * the client run only through the Java API, with a {@link ClientUnderTest}.
 */
public final class SyncroClientConformance {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the kit may ask of the client besides the wire; implemented by a test that runs the client in-process. */
    public interface ClientUnderTest {
        /** The client's live records of class {@code Test}, name by id. */
        Map<String, String> records();

        /** Creates a record of class {@code Test} locally, as the client's application would. */
        void create(String id, String name);
    }

    private final ServerSocket listening;
    private final boolean u16;
    private final int timeoutMillis;
    private final ClientUnderTest client;
    private FramedSocket conn;
    private int ids = 100;

    /**
     * @param listening where the client connects (the kit accepts one connection at a time)
     * @param framing {@code "u16"} or {@code "u32"}
     * @param timeoutMillis how long to wait for each expected message or connection
     * @param client the client's records and local changes, or null to check the wire only
     */
    public SyncroClientConformance(ServerSocket listening, String framing, int timeoutMillis, ClientUnderTest client) {
        if (!framing.equals("u16") && !framing.equals("u32")) {
            throw new IllegalArgumentException("framing must be u16 or u32: " + framing);
        }
        this.listening = listening;
        this.u16 = framing.equals("u16");
        this.timeoutMillis = timeoutMillis;
        this.client = client;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: SyncroClientConformance PORT u16|u32");
            System.exit(2);
        }
        try (ServerSocket s = new ServerSocket(Integer.parseInt(args[0]))) {
            System.err.println("waiting for the client on port " + s.getLocalPort());
            List<Result> results = new SyncroClientConformance(s, args[1], 30_000, null).run();
            results.forEach(System.out::println);
            System.exit(results.stream().allMatch(Result::passed) ? 0 : 1);
        }
    }

    /** Runs every scenario, in order; a scenario that fails does not stop the ones after it. */
    public List<Result> run() {
        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("client handshake: a new client asks for sync from null, and answers sync with a list",
                this::handshake);
        scenarios.put("the server's history is played: create, update, create and destroy, destroy of an unknown"
                + " record, UTF-8 intact", this::historyPlayed);
        scenarios.put("a record created and destroyed in one sync answer stays destroyed when an update of it"
                + " follows (u16: no error)", this::destroyedStaysDestroyed);
        scenarios.put("live add_scribe (create, update) is answered true and played", this::livePushes);
        scenarios.put("a value of the wrong type is answered (u16: true, then corrected with the value held) and not"
                + " kept", this::wrongType);
        if (client != null) {
            scenarios.put("a local change is sent as add_scribe with an id",
                    this::localChange);
        }
        scenarios.put("an unknown type and a stray response are ignored (u16: no error)", this::ignored);
        scenarios.put("a reconnecting client asks from the id of the last scribe it played, and answers sync from the"
                + " kit's cursor in its log with nothing new", this::resumes);
        if (u16) {
            scenarios.put("u16: an update of a record the client does not hold gets no error", this::updateUnknown);
            scenarios.put("u16: a frame whose length prefix wrapped makes the client close, reconnect and resume"
                    + " from its cursor", this::wrappedFrame);
        }
        List<Result> results = new ArrayList<>();
        scenarios.forEach((name, scenario) -> {
            try {
                scenario.run();
                results.add(new Result(name, null));
            } catch (Exception | AssertionError e) {
                results.add(new Result(name, e.getMessage() == null ? e.toString() : e.getMessage()));
            }
        });
        if (conn != null) {
            conn.close();
        }
        return results;
    }

    @FunctionalInterface
    private interface Scenario {
        void run() throws Exception;
    }

    // ----------------------------------------------------------------------------------------------------------------

    /** The id of the last scribe the kit sent the client: the cursor it must resume from. */
    private String lastSent;
    /** The id of the last scribe the client sent the kit: the kit's cursor in the client's log. */
    private String lastReceived;
    /** The client's sync of the current connection, once read. */
    private JsonNode clientSync;

    private void handshake() throws Exception {
        accept();
        JsonNode from = clientSync.get("from");
        check(from == null || from.isNull() || from.asText().isEmpty(), "a new client asked from " + from);
        // As a Syncro server does: its own sync (from null: a new client) goes out first, then the answer to the
        // client's (which a client may wait for before answering the kit's).
        conn.send("{\"type\":\"sync\",\"from\":null,\"id\":1}");
        List<String> history = List.of(
                scribe("h1", "create", "{\"name\":\"café ☃ <&>\",\"id\":\"r1\"}"),
                scribe("h2", "update", "[\"r1\",{\"name\":\"renamed ☃\"}]"),
                scribe("h3", "create", "{\"name\":\"short-lived\",\"id\":\"r2\"}"),
                scribe("h4", "destroy", "[\"r2\"]"),
                scribe("h5", "destroy", "[\"never-created\"]"));
        conn.send("{\"type\":\"response\",\"id\":" + clientSync.get("id") + ",\"result\":[" + String.join(",", history)
                + "]}");
        lastSent = "h5";
        JsonNode theirs = conn.await(m -> m.path("id").asInt() == 1
                && (m.path("type").asText().equals("response") || m.path("type").asText().equals("error")));
        check(theirs.path("type").asText().equals("response") && theirs.path("result").isArray(),
                "sync from null answered " + theirs);
    }

    private void historyPlayed() throws Exception {
        requireConnection();
        // The history was the answer to the client's sync (see handshake). The client handles messages in order: its answer to this noop follows the history's playing.
        JsonNode r = conn.request("{\"type\":\"noop\",\"id\":2}", 2);
        check(r.path("result").asBoolean(false), "noop answered " + r);
        noErrors();
        expectRecords(Map.of("r1", "renamed ☃"));
    }

    private void livePushes() throws Exception {
        requireConnection();
        JsonNode a = conn.request("{\"type\":\"add_scribe\",\"scribe\":" + scribe("p1", "create",
                "{\"name\":\"pushed\",\"id\":\"r3\"}") + ",\"id\":3}", 3);
        check(a.path("type").asText().equals("response") && a.path("result").asBoolean(false),
                "add_scribe of a create answered " + a);
        JsonNode b = conn.request("{\"type\":\"add_scribe\",\"scribe\":" + scribe("p2", "update",
                "[\"r1\",{\"name\":\"live\"}]") + ",\"id\":4}", 4);
        check(b.path("type").asText().equals("response") && b.path("result").asBoolean(false),
                "add_scribe of an update answered " + b);
        lastSent = "p2";
        noErrors();
        expectRecords(Map.of("r1", "live", "r3", "pushed"));
    }

    private void destroyedStaysDestroyed() throws Exception {
        requireConnection();
        // r2 was created and destroyed in the history the client played (one sync answer); another peer's update of
        // it crosses the destroy.
        conn.send("{\"type\":\"add_scribe\",\"scribe\":" + scribe("d1", "update", "[\"r2\",{\"name\":\"late\"}]")
                + ",\"id\":20}");
        JsonNode r = conn.await(m -> m.path("id").asInt() == 20 && !m.path("type").asText().equals("sync")
                || m.path("type").asText().equals("error"));
        if (u16) {
            check(r.path("type").asText().equals("response"), "a Syncro server raises on an error; it was sent " + r);
        }
        JsonNode n = conn.request("{\"type\":\"noop\",\"id\":21}", 21);
        check(n.path("result").asBoolean(false), "noop answered " + n);
        if (u16) {
            noErrors();
        }
        expectRecords(Map.of("r1", "renamed ☃"));
    }

    private void wrongType() throws Exception {
        requireConnection();
        // The record class's name is a string: an object is the wrong type.
        JsonNode r = conn.request("{\"type\":\"add_scribe\",\"scribe\":" + scribe("t1", "update",
                "[\"r1\",{\"name\":{\"not\":\"a string\"}}]") + ",\"id\":22}", 22);
        if (u16) {
            // A Syncro server raises on an error: the value is dropped and answered true, and the client sends the
            // value it holds, so that both sides agree.
            check(r.path("type").asText().equals("response") && r.path("result").asBoolean(false),
                    "a Syncro server must be answered true, not " + r);
            JsonNode fix = conn.await(m -> m.path("type").asText().equals("add_scribe")
                    && m.path("scribe").path("type").asText().equals("update")
                    && m.path("scribe").path("data").path(0).asText().equals("r1"));
            conn.send("{\"type\":\"response\",\"id\":" + fix.get("id") + ",\"result\":true}");
            check(fix.path("scribe").path("data").path(1).path("name").isTextual()
                    && fix.path("scribe").path("data").path(1).path("name").asText().equals("live"),
                    "the correction does not carry the value held, \"live\": " + fix);
            noErrors();
        } else {
            check(r.path("type").asText().equals("response") || r.path("code").asInt() == 400,
                    "expected true or error 400: " + r);
        }
        if (r.path("type").asText().equals("response")) {
            lastSent = "t1";
        }
        expectRecords(Map.of("r1", "live", "r3", "pushed"));
    }

    private void localChange() throws Exception {
        requireConnection();
        client.create("c1", "from the client ☃");
        JsonNode pushed = conn.await(m -> m.path("type").asText().equals("add_scribe"));
        JsonNode s = pushed.path("scribe");
        check(s.path("klass").asText().equals("Test") && s.path("type").asText().equals("create")
                && s.path("data").path("id").asText().equals("c1")
                && s.path("data").path("name").asText().equals("from the client ☃") && s.hasNonNull("id"),
                "expected an add_scribe of the create of c1 with an id, got " + pushed);
        conn.send("{\"type\":\"response\",\"id\":" + pushed.get("id") + ",\"result\":true}");
        // A Syncro server's cursor in the client's log: the id of the last scribe it got from the client.
        lastReceived = s.get("id").asText();
    }

    private void ignored() throws Exception {
        requireConnection();
        conn.send("{\"type\":\"bogus\",\"id\":6}");
        conn.send("{\"type\":\"response\",\"id\":999,\"result\":true}");
        JsonNode r = conn.request("{\"type\":\"noop\",\"id\":7}", 7);
        check(r.path("result").asBoolean(false), "noop answered " + r);
        if (u16) {
            // Scribe's own framing answers an unknown request with error 400; Syncro's never sends an error.
            noErrors();
        }
    }

    private void resumes() throws Exception {
        requireConnection();
        conn.close();
        accept();
        JsonNode from = clientSync.get("from");
        check(from != null && lastSent.equals(from.asText()), "the client reconnected asking from " + from
                + ", not from " + lastSent + ", the last scribe it played");
        // The kit asks the client's log from its own cursor there: nothing is new.
        conn.send("{\"type\":\"sync\",\"from\":" + (lastReceived == null ? "null" : "\"" + lastReceived + "\"")
                + ",\"id\":8}");
        conn.send("{\"type\":\"response\",\"id\":" + clientSync.get("id") + ",\"result\":[]}");
        JsonNode theirs = conn.await(m -> m.path("id").asInt() == 8
                && (m.path("type").asText().equals("response") || m.path("type").asText().equals("error")));
        check(theirs.path("type").asText().equals("response") && theirs.path("result").isArray()
                && (lastReceived == null || theirs.path("result").isEmpty()),
                "asked for its log after " + lastReceived + ", the client answered " + theirs);
        expectRecords(client == null ? null : withLocal(Map.of("r1", "live", "r3", "pushed")));
    }

    private void updateUnknown() throws Exception {
        requireConnection();
        conn.send("{\"type\":\"add_scribe\",\"scribe\":" + scribe("u1", "update", "[\"nobody\",{\"name\":\"x\"}]")
                + ",\"id\":9}");
        // The client may catch up from its cursor to find the record: nothing more is there.
        JsonNode r = conn.await(m -> m.path("id").asInt() == 9 && !m.path("type").asText().equals("sync")
                || m.path("type").asText().equals("error"));
        check(r.path("type").asText().equals("response"), "a Syncro server raises on an error; it was sent " + r);
        JsonNode n = conn.request("{\"type\":\"noop\",\"id\":10}", 10);
        check(n.path("result").asBoolean(false), "noop answered " + n);
        noErrors();
    }

    private void wrappedFrame() throws Exception {
        requireConnection();
        String big = "{\"type\":\"add_scribe\",\"scribe\":" + scribe("w1", "create", "{\"name\":\""
                + "x".repeat(65_600) + "\",\"id\":\"big\"}") + ",\"id\":11}";
        byte[] json = big.getBytes(StandardCharsets.UTF_8);
        // Ruby's [length].pack('n') keeps the low 16 bits.
        conn.sendWrapped(json);
        check(conn.awaitClose(), "the client kept the connection open after a frame that is not JSON");
        noErrors();
        conn.close();
        accept();
        JsonNode from = clientSync.get("from");
        check(from != null && lastSent.equals(from.asText()), "the client reconnected asking from " + from
                + ", not from " + lastSent);
        conn.send("{\"type\":\"response\",\"id\":" + clientSync.get("id") + ",\"result\":[]}");
        JsonNode r = conn.request("{\"type\":\"noop\",\"id\":12}", 12);
        check(r.path("result").asBoolean(false), "noop answered " + r);
        if (client != null) {
            check(!client.records().containsKey("big"), "the client kept a record of the frame it could not read");
        }
    }

    // ----------------------------------------------------------------------------------------------------------------

    private Map<String, String> withLocal(Map<String, String> records) {
        Map<String, String> all = new LinkedHashMap<>(records);
        all.put("c1", "from the client ☃");
        return all;
    }

    /** Waits until the client holds exactly {@code expected} (null, or no client given: nothing to check). */
    private void expectRecords(Map<String, String> expected) throws InterruptedException {
        if (client == null || expected == null) {
            return;
        }
        Map<String, String> want = new java.util.TreeMap<>(expected);
        if (client.records().containsKey("c1") && !want.containsKey("c1")) {
            want.put("c1", "from the client ☃");
        }
        long deadline = System.currentTimeMillis() + timeoutMillis;
        Map<String, String> have = new java.util.TreeMap<>(client.records());
        while (!have.equals(want) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            have = new java.util.TreeMap<>(client.records());
        }
        check(have.equals(want), "the client holds " + have + ", expected " + want);
    }

    private void noErrors() {
        check(conn.seen.stream().noneMatch(m -> m.path("type").asText().equals("error")),
                "a Syncro server raises on an inbound error; the client sent " + conn.seen);
    }

    private void requireConnection() {
        check(conn != null && clientSync != null, "no connection from the client (an earlier scenario failed)");
    }

    private static String scribe(String id, String type, String data) {
        return "{\"data\":" + data + ",\"klass\":\"Test\",\"type\":\"" + type + "\",\"id\":\"" + id + "\"}";
    }

    private static void check(boolean ok, String why) {
        if (!ok) {
            throw new AssertionError(why);
        }
    }

    /** Accepts the client's next connection (answering its hello in u32) and reads its sync. */
    private void accept() throws IOException {
        clientSync = null;
        listening.setSoTimeout(timeoutMillis);
        Socket socket;
        try {
            socket = listening.accept();
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the client did not connect within " + timeoutMillis + " ms");
        }
        conn = new FramedSocket(socket, u16, timeoutMillis);
        if (!u16) {
            JsonNode hello = conn.read();
            check(hello.path("type").asText().equals("hello") && hello.hasNonNull("client"),
                    "expected the client's hello, got " + hello);
            conn.send("{\"type\":\"hello\",\"client\":\"server\"}");
        }
        clientSync = conn.await(m -> m.path("type").asText().equals("sync"));
    }
}
