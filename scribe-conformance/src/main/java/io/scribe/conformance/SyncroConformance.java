package io.scribe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Drives a listening peer (a hub) over a socket the way Ruby Syncro 0.0.3 clients do, and checks its answers and the
 * state it ends with. The peer must register a class {@code Test} with a string field {@code name} (the record class of
 * the Syncro captures). Framing {@code u16} (Syncro's: no hello, Syncro's limits apply) or {@code u32} (Scribe's: a
 * {@code hello} first). Each scenario opens its own connections.
 *
 * <pre>
 * java -cp scribe-conformance.jar:jackson-databind.jar:… io.scribe.conformance.SyncroConformance HOST PORT u16|u32
 * </pre>
 *
 * prints one line per scenario ({@code PASS name} or {@code FAIL name: why}) and exits 0 when all passed.
 */
public final class SyncroConformance {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The outcome of one scenario. */
    public record Result(String scenario, String failure) {
        public boolean passed() {
            return failure == null;
        }

        @Override
        public String toString() {
            return passed() ? "PASS " + scenario : "FAIL " + scenario + ": " + failure;
        }
    }

    private final String host;
    private final int port;
    private final boolean u16;
    private final int timeoutMillis;
    private final Random random = new Random();
    private int connections;

    /**
     * @param framing {@code "u16"} or {@code "u32"}
     * @param timeoutMillis how long to wait for each expected answer
     */
    public SyncroConformance(String host, int port, String framing, int timeoutMillis) {
        if (!framing.equals("u16") && !framing.equals("u32")) {
            throw new IllegalArgumentException("framing must be u16 or u32: " + framing);
        }
        this.host = host;
        this.port = port;
        this.u16 = framing.equals("u16");
        this.timeoutMillis = timeoutMillis;
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: SyncroConformance HOST PORT u16|u32");
            System.exit(2);
        }
        List<Result> results = new SyncroConformance(args[0], Integer.parseInt(args[1]), args[2], 10_000).run();
        results.forEach(System.out::println);
        System.exit(results.stream().allMatch(Result::passed) ? 0 : 1);
    }

    /** Runs every scenario, in order. */
    public List<Result> run() {
        Map<String, Scenario> scenarios = new LinkedHashMap<>();
        scenarios.put("handshake: the peer asks for sync, and answers sync from null with a list", this::handshake);
        scenarios.put("noop is answered true", this::noop);
        scenarios.put("an unregistered class is refused with 403 (u16: and the session goes on)", this::forbidden);
        scenarios.put("a created record reaches a new client in its catch-up, UTF-8 intact", this::createReachesOthers);
        scenarios.put("two clients are relayed each other's changes live", this::relay);
        scenarios.put("an unknown type and a stray response are ignored", this::ignored);
        scenarios.put("a value of the wrong type is answered (u16: true, then corrected with the value held) and"
                + " never reaches another client", this::wrongType);
        scenarios.put("a create and destroy in one sync answer leave the record destroyed; an update of it later"
                + " does not bring it back", this::createAndDestroyInOneAnswer);
        if (u16) {
            // Scribe peers play a destroy of a record they never had (it leaves a tombstone); Syncro raises.
            scenarios.put("u16: a record created and destroyed is never sent to a new client, nor its destroy",
                    this::noDestroyWithoutCreate);
            scenarios.put("u16: an update of an unknown record gets no error", this::updateUnknownNoError);
            scenarios.put("u16: a frame whose length prefix wrapped closes the connection, without an error",
                    this::wrappedFrameCloses);
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
        return results;
    }

    @FunctionalInterface
    private interface Scenario {
        void run() throws Exception;
    }

    // ----------------------------------------------------------------------------------------------------------------

    private void handshake() throws Exception {
        try (Conn c = connect()) {
            JsonNode page = c.syncFromNull();
            check(page.get("result").isArray(), "sync answer without a result list: " + page);
        }
    }

    private void noop() throws Exception {
        try (Conn c = connect()) {
            c.syncFromNull();
            c.send("{\"type\":\"noop\",\"id\":2}");
            JsonNode r = c.await(m -> m.path("id").asInt() == 2 && m.path("type").asText().equals("response"));
            check(r.path("result").asBoolean(false), "noop answered " + r);
        }
    }

    private void forbidden() throws Exception {
        try (Conn c = connect()) {
            c.syncFromNull();
            c.send("{\"type\":\"add_scribe\",\"scribe\":{\"klass\":\"Object\",\"type\":\"create\",\"data\":{},"
                    + "\"id\":\"x1\"},\"id\":2}");
            JsonNode e = c.await(m -> m.path("id").asInt() == 2);
            check(e.path("type").asText().equals("error") && e.path("code").asInt() == 403, "expected error 403: " + e);
            c.send("{\"type\":\"noop\",\"id\":3}");
            c.await(m -> m.path("id").asInt() == 3 && m.path("type").asText().equals("response"));
        }
    }

    private void createReachesOthers() throws Exception {
        String id = randomId();
        String name = "café ☃ " + id;
        try (Conn a = connect()) {
            a.syncFromNull();
            a.addScribe(2, create(id, name));
        }
        try (Conn b = connect()) {
            JsonNode page = b.syncFromNull();
            check(contains(page.get("result"), "create", id, name), "catch-up of a new client lacks the create of "
                    + id + ": " + page);
        }
    }

    private void relay() throws Exception {
        try (Conn a = connect(); Conn b = connect()) {
            a.syncFromNull();
            b.syncFromNull();
            String id = randomId();
            a.addScribe(2, create(id, "relayed " + id));
            JsonNode pushed = b.await(m -> m.path("type").asText().equals("add_scribe")
                    && m.path("scribe").path("data").path("id").asText().equals(id));
            b.send("{\"type\":\"response\",\"id\":" + pushed.get("id") + ",\"result\":true}");
            a.addScribe(3, "{\"data\":[\"" + id + "\",{\"name\":\"renamed\"}],\"klass\":\"Test\",\"type\":\"update\","
                    + "\"id\":\"" + randomId() + "\"}");
            b.await(m -> m.path("type").asText().equals("add_scribe")
                    && m.path("scribe").path("type").asText().equals("update")
                    && m.path("scribe").path("data").path(0).asText().equals(id));
        }
    }

    private void noDestroyWithoutCreate() throws Exception {
        String id = randomId();
        try (Conn a = connect()) {
            a.syncFromNull();
            a.addScribe(2, create(id, "short-lived"));
            a.addScribe(3, "{\"data\":[\"" + id + "\"],\"klass\":\"Test\",\"type\":\"destroy\",\"id\":\"" + randomId()
                    + "\"}");
            // A destroy of a record nobody ever had.
            a.addScribe(4, "{\"data\":[\"ghost-" + id + "\"],\"klass\":\"Test\",\"type\":\"destroy\",\"id\":\""
                    + randomId() + "\"}");
        }
        try (Conn b = connect()) {
            JsonNode page = b.syncFromNull();
            for (JsonNode s : page.get("result")) {
                String about = about(s);
                check(!about.equals(id) && !about.equals("ghost-" + id),
                        "a new client was sent a scribe of a record it can never hold: " + s);
            }
        }
    }

    private void wrongType() throws Exception {
        String id = randomId();
        try (Conn a = connect()) {
            a.syncFromNull();
            a.addScribe(2, create(id, "typed"));
            // The record class's name is a string: an object is the wrong type.
            JsonNode r = a.request("{\"type\":\"add_scribe\",\"scribe\":{\"data\":[\"" + id + "\",{\"name\":"
                    + "{\"not\":\"a string\"}}],\"klass\":\"Test\",\"type\":\"update\",\"id\":\"" + randomId()
                    + "\"},\"id\":3}", 3);
            if (u16) {
                // Syncro raises on an error: the value is dropped and answered true; the peer is sent the value it
                // holds, so that both sides agree.
                check(r.path("type").asText().equals("response") && r.path("result").asBoolean(false),
                        "a Syncro peer must be answered true, not " + r);
                JsonNode fix = a.await(m -> m.path("type").asText().equals("add_scribe")
                        && m.path("scribe").path("type").asText().equals("update")
                        && m.path("scribe").path("data").path(0).asText().equals(id));
                a.send("{\"type\":\"response\",\"id\":" + fix.get("id") + ",\"result\":true}");
                check(fix.path("scribe").path("data").path(1).path("name").asText().equals("typed")
                        && fix.path("scribe").path("data").path(1).path("name").isTextual(),
                        "the correction does not carry the value held, \"typed\": " + fix);
                check(a.seen.stream().noneMatch(m -> m.path("type").asText().equals("error")),
                        "a Syncro peer raises on an error; it was sent " + a.seen);
            } else {
                check(r.path("type").asText().equals("response") || r.path("code").asInt() == 400,
                        "expected true or error 400: " + r);
            }
        }
        try (Conn b = connect()) {
            Map<String, JsonNode> records = played(b.catchUp());
            check(records.containsKey(id) && records.get(id).path("name").isTextual()
                    && records.get(id).path("name").asText().equals("typed"),
                    "a new client's catch-up gives " + id + " as " + records.get(id) + ", not name \"typed\"");
        }
    }

    private void createAndDestroyInOneAnswer() throws Exception {
        String gone = randomId();
        String kept = randomId();
        try (Conn a = connect()) {
            // The peer asks for the kit's history: one answer creates, updates and destroys a record (a Syncro
            // server's answer always carries the whole history), and creates another.
            JsonNode theirs = a.await(m -> m.path("type").asText().equals("sync"));
            a.send("{\"type\":\"response\",\"id\":" + theirs.get("id") + ",\"result\":[" + create(gone, "brief")
                    + ",{\"data\":[\"" + gone + "\",{\"name\":\"edited\"}],\"klass\":\"Test\",\"type\":\"update\","
                    + "\"id\":\"" + randomId() + "\"},{\"data\":[\"" + gone + "\"],\"klass\":\"Test\",\"type\":"
                    + "\"destroy\",\"id\":\"" + randomId() + "\"}," + create(kept, "stays") + "]}");
            a.send("{\"type\":\"sync\",\"from\":null,\"id\":1}");
            a.await(m -> m.path("type").asText().equals("response") && m.path("id").asInt() == 1);
            JsonNode n = a.request("{\"type\":\"noop\",\"id\":2}", 2);
            check(n.path("result").asBoolean(false), "noop answered " + n);
            // Later, an update of the destroyed record (another peer's, crossing the destroy).
            a.send("{\"type\":\"add_scribe\",\"scribe\":{\"data\":[\"" + gone + "\",{\"name\":\"late\"}],"
                    + "\"klass\":\"Test\",\"type\":\"update\",\"id\":\"" + randomId() + "\"},\"id\":3}");
            JsonNode r = a.await(m -> m.path("id").asInt() == 3
                    && (m.path("type").asText().equals("response") || m.path("type").asText().equals("error")));
            if (u16) {
                check(r.path("type").asText().equals("response"), "a Syncro peer raises on an error; it was sent " + r);
            }
        }
        try (Conn b = connect()) {
            JsonNode page = b.catchUp();
            Map<String, JsonNode> records = played(page);
            check(!records.containsKey(gone), "a record created and destroyed in one answer is alive: "
                    + records.get(gone));
            check(records.containsKey(kept) && records.get(kept).path("name").asText().equals("stays"),
                    "the record created beside it is missing: " + records.get(kept));
            if (u16) {
                for (JsonNode s : page) {
                    check(!about(s).equals(gone), "a new client was sent a scribe of a record it can never hold: " + s);
                }
            }
        }
    }

    private void ignored() throws Exception {
        try (Conn c = connect()) {
            c.syncFromNull();
            c.send("{\"type\":\"bogus\",\"id\":2}");
            c.send("{\"type\":\"response\",\"id\":999,\"result\":true}");
            c.send("{\"type\":\"noop\",\"id\":3}");
            JsonNode r = c.await(m -> m.path("id").asInt() == 3 || m.path("type").asText().equals("error"));
            if (u16) {
                check(r.path("type").asText().equals("response"), "a Syncro peer must not be sent " + r);
            }
        }
    }

    private void updateUnknownNoError() throws Exception {
        try (Conn c = connect()) {
            c.syncFromNull();
            c.send("{\"type\":\"add_scribe\",\"scribe\":{\"data\":[\"nobody-" + randomId() + "\",{\"name\":\"x\"}],"
                    + "\"klass\":\"Test\",\"type\":\"update\",\"id\":\"" + randomId() + "\"},\"id\":2}");
            c.send("{\"type\":\"noop\",\"id\":3}");
            JsonNode r = c.await(m -> m.path("id").asInt() == 3 && m.path("type").asText().equals("response"));
            check(r != null, "no answer");
            check(c.seen.stream().noneMatch(m -> m.path("type").asText().equals("error")),
                    "a Syncro peer raises on an error; it was sent " + c.seen);
        }
    }

    private void wrappedFrameCloses() throws Exception {
        try (Conn c = connect()) {
            c.syncFromNull();
            String big = "{\"type\":\"add_scribe\",\"scribe\":{\"data\":{\"name\":\"" + "x".repeat(65_600)
                    + "\",\"id\":\"big\"},\"klass\":\"Test\",\"type\":\"create\",\"id\":\"" + randomId() + "\"},\"id\":2}";
            byte[] json = big.getBytes(StandardCharsets.UTF_8);
            c.sendWrapped(json);
            check(c.awaitClose(), "the connection stayed open after a frame that is not JSON");
            check(c.seen.stream().noneMatch(m -> m.path("type").asText().equals("error")),
                    "a Syncro peer raises on an error; it was sent " + c.seen);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------

    private static String create(String id, String name) throws IOException {
        return "{\"data\":{\"name\":" + JSON.writeValueAsString(name) + ",\"id\":\"" + id
                + "\"},\"klass\":\"Test\",\"type\":\"create\",\"id\":\"" + HexFormat.of().formatHex(id.getBytes(
                StandardCharsets.UTF_8)) + "\"}";
    }

    /** The record a scribe is about. */
    private static String about(JsonNode s) {
        return s.path("data").isArray() ? s.path("data").path(0).asText() : s.path("data").path("id").asText();
    }

    /** The records of class {@code Test} a client holds after playing {@code scribes} in order, fields by id. */
    private static Map<String, JsonNode> played(JsonNode scribes) {
        Map<String, JsonNode> records = new LinkedHashMap<>();
        for (JsonNode s : scribes) {
            if (!s.path("klass").asText().equals("Test")) {
                continue;
            }
            switch (s.path("type").asText()) {
                case "create" -> records.put(about(s), s.path("data").deepCopy());
                case "update" -> {
                    JsonNode fields = records.get(about(s));
                    if (fields instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
                        o.setAll((com.fasterxml.jackson.databind.node.ObjectNode) s.path("data").path(1));
                    }
                }
                case "destroy" -> records.remove(about(s));
                default -> { }
            }
        }
        return records;
    }

    private static boolean contains(JsonNode scribes, String type, String id, String name) {
        for (JsonNode s : scribes) {
            if (s.path("type").asText().equals(type) && s.path("data").path("id").asText().equals(id)
                    && s.path("data").path("name").asText().equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static void check(boolean ok, String why) {
        if (!ok) {
            throw new AssertionError(why);
        }
    }

    private String randomId() {
        byte[] b = new byte[13];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private Conn connect() throws IOException {
        return new Conn();
    }

    /** One connection, as a Syncro client. */
    private final class Conn extends FramedSocket {

        Conn() throws IOException {
            super(new Socket(host, port), u16, timeoutMillis);
            if (!u16) {
                send("{\"type\":\"hello\",\"client\":\"conformance-" + (++connections) + "-" + randomId() + "\"}");
                JsonNode hello = read();
                check(hello.path("type").asText().equals("hello"), "expected the peer's hello, got " + hello);
            }
        }

        /** Answers the peer's own sync with an empty list, then asks from null; returns the answer. */
        JsonNode syncFromNull() throws IOException {
            JsonNode theirs = await(m -> m.path("type").asText().equals("sync"));
            send("{\"type\":\"response\",\"id\":" + theirs.get("id") + ",\"result\":[]}");
            send("{\"type\":\"sync\",\"from\":null,\"id\":1}");
            return await(m -> m.path("type").asText().equals("response") && m.path("id").asInt() == 1);
        }

        /**
         * Asks for the peer's whole log (from null; in u32 page by page while it says {@code more}); returns every
         * scribe, in order.
         */
        JsonNode catchUp() throws IOException {
            JsonNode page = syncFromNull();
            com.fasterxml.jackson.databind.node.ArrayNode all = JSON.createArrayNode();
            int request = 1;
            while (true) {
                page.path("result").forEach(all::add);
                if (!page.path("more").asBoolean(false)) {
                    return all;
                }
                JsonNode results = page.path("result");
                String from = page.hasNonNull("cursor") ? page.get("cursor").asText()
                        : results.get(results.size() - 1).path("id").asText();
                int id = ++request + 1000;
                page = request("{\"type\":\"sync\",\"from\":" + JSON.writeValueAsString(from) + ",\"id\":" + id
                        + "}", id);
            }
        }

        void addScribe(int id, String scribe) throws IOException {
            JsonNode r = request("{\"type\":\"add_scribe\",\"scribe\":" + scribe + ",\"id\":" + id + "}", id);
            check(r.path("type").asText().equals("response") && r.path("result").asBoolean(false),
                    "add_scribe " + id + " answered " + r);
        }
    }
}
