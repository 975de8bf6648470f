package io.scribe.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.FrameDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A Ruby Syncro 0.0.3 peer (SuperModel records, one class, in memory) written in Java from what the Ruby code does,
 * to run where Ruby is not: it frames and words its messages as Syncro does ({@code u16} prefix, key order of the
 * captures), keeps no clocks, plays every scribe in arrival order, answers {@code sync} with its own scribes after
 * the asked id (all of them from {@code null}, none from an id it does not know), and fails the way Syncro does:
 * an {@code update} or {@code destroy} of a record it does not hold, an inbound {@code error} or a frame that is not
 * JSON raise, which ends its connection ({@link #crash()} tells why). One exception: a change to a record it destroyed
 * itself is ignored and counted ({@link #races()}), since no protocol can keep a concurrent change of another peer
 * from crossing a destroy on the wire (Ruby Syncro raises there too). Not thread-safe.
 */
public final class SyncroModel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String klass;
    private final Random random;
    private final Map<String, ObjectNode> records = new LinkedHashMap<>();
    /** Its own scribes, in order (Syncro's Scribe records that came from no client). */
    private final List<ObjectNode> log = new ArrayList<>();
    /** Syncro's {@code Client#last_scribe_id} of the one peer it talks to; kept across connections. */
    private String lastScribeId;
    private Consumer<byte[]> out;
    private FrameDecoder decoder;
    private int msgId;
    private final Map<Integer, Consumer<JsonNode>> expected = new HashMap<>();
    private String crash;
    private final java.util.Set<String> destroyedHere = new java.util.HashSet<>();
    private int races;
    private final Map<String, List<String>> trace = new HashMap<>();
    private int connection;

    /** A peer whose records are of class {@code klass}; record and scribe ids come from {@code random}. */
    public SyncroModel(String klass, Random random) {
        this.klass = klass;
        this.random = random;
    }

    /** Why it raised, or null while it has not. A peer that raised stays down until {@link #restartEmpty()}. */
    public String crash() {
        return crash;
    }

    /** How many changes to records it had destroyed itself arrived (see the class comment). */
    public int races() {
        return races;
    }

    /** {@link #crash()} with what happened before to the record it is about. */
    public String crashReport() {
        if (crash == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("of (\\S+): ").matcher(crash);
        return crash + (m.find() ? "\n  " + String.join("\n  ", trace(m.group(1))) : "");
    }

    /** What happened to one record here, oldest first: for failure messages. */
    public List<String> trace(String id) {
        return trace.getOrDefault(id, List.of());
    }

    private void note(String id, String what) {
        trace.computeIfAbsent(id, k -> new ArrayList<>()).add("#" + connection + " " + what);
    }

    /** Its records by id, each as its attribute hash. */
    public Map<String, ObjectNode> records() {
        return new TreeMap<>(records);
    }

    /** Whether a connection is open. */
    public boolean connected() {
        return out != null;
    }

    /** The connection is open (Syncro's {@code connection_completed}): it sends {@code sync} from its cursor. */
    public void connected(Consumer<byte[]> send) {
        if (crash != null) {
            return;
        }
        out = send;
        connection++;
        decoder = new FrameDecoder(2, 0xFFFF);
        msgId = 0;
        expected.clear();
        ObjectNode sync = JSON.createObjectNode().put("type", "sync");
        if (lastScribeId == null) {
            sync.putNull("from");
        } else {
            sync.put("from", lastScribeId);
        }
        invoke(sync, result -> {
            List<ObjectNode> scribes = new ArrayList<>();
            result.forEach(s -> scribes.add((ObjectNode) s));
            for (ObjectNode s : scribes) {
                play(s);
            }
            if (!scribes.isEmpty()) {
                lastScribeId = scribes.get(scribes.size() - 1).path("id").asText(null);
            }
        });
    }

    /** The connection closed (Syncro's {@code unbind}). */
    public void disconnected() {
        out = null;
        decoder = null;
        expected.clear();
    }

    /** Forgets everything, as a SuperModel peer restarted without its dump does. */
    public void restartEmpty() {
        disconnected();
        records.clear();
        log.clear();
        destroyedHere.clear();
        trace.values().forEach(t -> t.add("restarted empty"));
        lastScribeId = null;
        crash = null;
    }

    /** Bytes read from the connection. */
    public void receive(byte[] data) {
        if (decoder == null || crash != null) {
            return;
        }
        decoder.feed(data, 0, data.length, new FrameDecoder.Sink() {
            @Override
            public void frame(byte[] buf, int offset, int length) {
                if (crash == null) {
                    message(new String(buf, offset, length, StandardCharsets.UTF_8));
                }
            }

            @Override
            public void tooLarge(long length) {
                raise("frame of " + length + " bytes");
            }
        });
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Local changes, recorded and pushed as Syncro's observer does

    /** Creates a record with these attributes and a new random id; returns the id. */
    public String create(ObjectNode attributes) {
        String id = attributes.hasNonNull("id") ? attributes.get("id").asText() : randomId();
        ObjectNode record = attributes.deepCopy().put("id", id);
        records.put(id, record);
        record("create", record.deepCopy());
        return id;
    }

    /** Sets one attribute; nothing is recorded when the value does not change. */
    public void update(String id, String attribute, JsonNode value) {
        ObjectNode record = records.get(id);
        if (record == null) {
            throw new IllegalArgumentException("no record " + id);
        }
        if (value.equals(record.get(attribute))) {
            return;
        }
        record.set(attribute, value);
        ArrayNode data = JSON.createArrayNode().add(id);
        data.addObject().set(attribute, value);
        record("update", data);
    }

    /** Destroys a record. */
    public void destroy(String id) {
        if (records.remove(id) == null) {
            throw new IllegalArgumentException("no record " + id);
        }
        destroyedHere.add(id);
        record("destroy", JSON.createArrayNode().add(id));
    }

    private void record(String type, JsonNode data) {
        ObjectNode scribe = JSON.createObjectNode();
        scribe.set("data", data);
        scribe.put("klass", klass).put("type", type).put("id", randomId());
        log.add(scribe);
        note(data.isArray() ? data.get(0).asText() : data.path("id").asText(), "local " + scribe
                + (out == null ? " (offline)" : ""));
        if (out != null && crash == null) {
            ObjectNode message = JSON.createObjectNode().put("type", "add_scribe");
            message.set("scribe", scribe.deepCopy());
            invoke(message, result -> { });
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Syncro's App

    private void message(String text) {
        JsonNode m;
        try {
            m = JSON.readTree(text);
        } catch (Exception e) {
            raise("Invalid JSON string: " + text);
            return;
        }
        switch (m.path("type").asText()) {
            case "sync" -> {
                JsonNode from = m.get("from");
                respond(m.get("id"), since(from == null || from.isNull() ? "" : from.asText()));
            }
            case "add_scribe" -> {
                if (!klass.equals(m.path("scribe").path("klass").asText())) {
                    error(403);
                    return;
                }
                play(m.get("scribe"));
                if (crash == null) {
                    respond(m.get("id"), JSON.getNodeFactory().booleanNode(true));
                    JsonNode id = m.get("scribe").get("id");
                    lastScribeId = id == null || id.isNull() ? null : id.asText();
                }
            }
            case "response" -> {
                Consumer<JsonNode> callback = expected.remove(m.path("id").asInt());
                if (callback != null) {
                    callback.accept(m.path("result"));
                }
            }
            case "error" -> raise("InvokeError " + m.path("code").asInt());
            case "noop" -> respond(m.get("id"), JSON.getNodeFactory().booleanNode(true));
            default -> { }
        }
    }

    private ArrayNode since(String from) {
        ArrayNode result = JSON.createArrayNode();
        int start = 0;
        if (!from.isEmpty()) {
            start = -1;
            for (int i = 0; i < log.size(); i++) {
                if (from.equals(log.get(i).path("id").asText())) {
                    start = i + 1;
                }
            }
            if (start < 0) {
                return result; // SuperModel::UnknownRecord is rescued: nothing
            }
        }
        for (int i = start; i < log.size(); i++) {
            result.add(log.get(i).deepCopy());
        }
        return result;
    }

    /** {@code scribe_play}: create!, find + update_attributes!, destroy; played changes are not sent back. */
    private void play(JsonNode scribe) {
        String type = scribe.path("type").asText();
        JsonNode data = scribe.path("data");
        note(data.isArray() ? data.path(0).asText() : data.path("id").asText(), "play " + scribe);
        switch (type) {
            case "create" -> {
                ObjectNode record = ((ObjectNode) data).deepCopy();
                String id = record.hasNonNull("id") ? record.get("id").asText() : randomId();
                record.put("id", id);
                records.put(id, record);
            }
            case "update" -> {
                ObjectNode record = records.get(data.path(0).asText());
                if (record == null && destroyedHere.contains(data.path(0).asText())) {
                    races++;
                    return;
                }
                if (record == null) {
                    raise("SuperModel::UnknownRecord on update of " + data.path(0).asText() + ": " + scribe);
                    return;
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = data.path(1).fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    record.set(e.getKey(), e.getValue());
                }
            }
            case "destroy" -> {
                String id = data.path(0).asText();
                if (records.remove(id) == null) {
                    if (destroyedHere.contains(id)) {
                        races++;
                    } else {
                        raise("SuperModel::UnknownRecord on destroy of " + id + ": " + scribe);
                    }
                }
            }
            default -> { }
        }
    }

    private void invoke(ObjectNode message, Consumer<JsonNode> callback) {
        int id = ++msgId;
        message.put("id", id);
        expected.put(id, callback);
        send(message);
    }

    private void respond(JsonNode id, JsonNode result) {
        ObjectNode response = JSON.createObjectNode().put("type", "response");
        response.set("id", id);
        response.set("result", result);
        send(response);
    }

    private void error(int code) {
        send(JSON.createObjectNode().put("type", "error").put("code", code));
    }

    private void send(ObjectNode message) {
        if (out == null) {
            return;
        }
        // Syncro escapes every non-ASCII character, so its prefix (characters) equals the bytes.
        byte[] json;
        try {
            json = JSON.writer().with(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII)
                    .writeValueAsBytes(message);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        byte[] frame = new byte[json.length + 2];
        frame[0] = (byte) (json.length >>> 8);
        frame[1] = (byte) json.length;
        System.arraycopy(json, 0, frame, 2, json.length);
        out.accept(frame);
    }

    private void raise(String why) {
        crash = why;
        disconnected();
    }

    private String randomId() {
        byte[] b = new byte[13];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    @Override
    public String toString() {
        return "SyncroModel" + records() + (crash == null ? "" : " crashed: " + crash);
    }
}
