package io.scribe.core.internal;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NumericNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The one Jackson configuration of Scribe, and the JSON forms of scribes and object states. */
public final class Json {

    /**
     * Shared, thread-safe mapper. Fields are read and written directly, so plain objects need no getters. A date
     * with an offset or zone is read with the offset it was written with ({@code 13:14+05:00} stays that, not
     * {@code 08:14Z}), so every peer holds the value the writer holds.
     */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .setVisibility(PropertyAccessor.FIELD, JsonAutoDetect.Visibility.ANY);

    public static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * Reads JSON from the wire and from stores. A number beyond the range of a double is refused: Jackson would read
     * it as Infinity, which JSON cannot carry (it is written as the string "Infinity"), so the value would change
     * type on its way to the next peer.
     */
    static final ObjectReader READER = MAPPER.reader().with(new FiniteNumbers());

    private static class FiniteNumbers extends JsonNodeFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public NumericNode numberNode(double v) {
            if (!Double.isFinite(v)) {
                throw outOfRange();
            }
            return super.numberNode(v);
        }

        @Override
        public NumericNode numberNode(float v) {
            if (!Float.isFinite(v)) {
                throw outOfRange();
            }
            return super.numberNode(v);
        }

        private static ScribeException outOfRange() {
            return new ScribeException(ScribeException.BAD_REQUEST, "a number is too large for a double");
        }
    }

    /**
     * Reads object states from stores: as {@link #READER}, but every JSON object is built straight into a
     * {@link SmallMap}, the form a held state keeps, instead of a {@code LinkedHashMap} copied into one afterwards.
     */
    static final ObjectReader STATE_READER = MAPPER.reader().with(new FiniteNumbers() {
        private static final long serialVersionUID = 1L;

        @Override
        public ObjectNode objectNode() {
            return HeldNode.node();
        }
    });

    private Json() {}

    public static ObjectNode object() {
        return NODES.objectNode();
    }

    /**
     * The array {@code [first, second]} over an immutable list of two (no growable list and backing array): for data
     * that is kept and never changed, such as an update scribe's {@code [id, fields]}. Adding to or setting an
     * element of it throws {@link UnsupportedOperationException}.
     */
    public static ArrayNode pair(JsonNode first, JsonNode second) {
        return new ArrayNode(NODES, List.of(first, second));
    }

    /** Parses JSON text or bytes; malformed input is a {@link ScribeException} with code 400. */
    public static JsonNode parse(byte[] bytes, int offset, int length) {
        return parse(READER, bytes, offset, length);
    }

    /** Reads the stored form of an object state (see {@link #toJson(ObjectState)}); malformed input is a 400. */
    public static ObjectState objectState(byte[] bytes) {
        return objectState(bytes, 0, bytes.length);
    }

    /** The state in {@code length} bytes of {@code bytes} from {@code offset}, as {@link #objectState(byte[])}. */
    public static ObjectState objectState(byte[] bytes, int offset, int length) {
        // By stream when the bytes are in the shape a store writes; else as a tree, which says what is wrong.
        ObjectState read = StateJson.read(STATE_READER, bytes, offset, length);
        return read != null ? read : objectState(parse(STATE_READER, bytes, offset, length));
    }

    /**
     * Calls {@code action} with each of the {@code count} states stored one after the other in {@code bytes}, the
     * {@code i}th from where the one before it ends (the first from 0) to {@code ends[i]}, in that order, each as
     * {@link #objectState(byte[], int, int)} reads it; one parser reads them all.
     */
    public static void objectStates(byte[] bytes, int[] ends, int count,
            java.util.function.Consumer<? super ObjectState> action) {
        java.util.Objects.checkFromToIndex(0, count, ends.length);
        if (count > 0) {
            java.util.Objects.checkFromToIndex(0, ends[count - 1], bytes.length);
        }
        StateJson.readAll(STATE_READER, bytes, ends, count, action, Json::objectState);
    }

    private static JsonNode parse(ObjectReader reader, byte[] bytes, int offset, int length) {
        try {
            JsonNode node = reader.readTree(bytes, offset, length);
            if (node == null || node.isMissingNode()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "empty message");
            }
            return node;
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** A failure to read JSON as the 400 it is: the {@link ScribeException} behind it, or "malformed JSON". */
    static ScribeException malformed(IOException e) {
        if (e instanceof JsonProcessingException jpe) {
            if (jpe.getCause() instanceof ScribeException se) {
                return se;
            }
            return new ScribeException(ScribeException.BAD_REQUEST, "malformed JSON: " + jpe.getOriginalMessage(), e);
        }
        return new ScribeException(ScribeException.BAD_REQUEST, "malformed JSON: " + e.getMessage(), e);
    }

    public static JsonNode parse(String text) {
        try {
            JsonNode node = READER.readTree(text);
            if (node == null || node.isMissingNode()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "empty message");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        }
    }

    /**
     * An upper bound of the length of {@link #bytes(JsonNode)}, computed without writing, or a value over {@code cap}
     * as soon as the bound exceeds it or a node is not one it bounds (big numbers, binary, POJO).
     */
    public static long sizeBound(JsonNode node, long cap) {
        long size;
        if (node.isTextual()) {
            // At most 6 bytes a char (a six-character escape), plus the quotes.
            size = 2 + 6L * node.textValue().length();
        } else if (node.isInt() || node.isLong() || node.isDouble() || node.isFloat() || node.isShort()) {
            size = 32;
        } else if (node.isBoolean() || node.isNull()) {
            size = 5;
        } else if (node.isObject()) {
            size = 2;
            int n = HeldNode.indexed((ObjectNode) node);
            for (int i = 0; i < n && size <= cap; i++) {
                // Held in a SmallMap: read by index, no iterator nor entries.
                size += 2 + 6L * HeldNode.keyAt((ObjectNode) node, i).length() + 2
                        + sizeBound(HeldNode.valueAt((ObjectNode) node, i), cap);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = n >= 0 ? null : node.fields(); it != null && it.hasNext()
                    && size <= cap;) {
                Map.Entry<String, JsonNode> e = it.next();
                size += 2 + 6L * e.getKey().length() + 2 + sizeBound(e.getValue(), cap);
            }
        } else if (node.isArray()) {
            size = 2;
            for (int i = 0; i < node.size() && size <= cap; i++) {
                size += 1 + sizeBound(node.get(i), cap);
            }
        } else {
            return cap + 1;
        }
        return size;
    }

    /** Whether {@code text} takes more than {@code max} bytes in UTF-8; counts them only when it might. */
    public static boolean utf8Over(String text, long max) {
        if (text.length() > max) {
            return true;
        }
        if (text.length() * 3L <= max) {
            // At most three bytes a char (a surrogate pair: four bytes for two chars).
            return false;
        }
        return utf8Length(text) > max;
    }

    /** The length of {@code text} in UTF-8, counted without encoding it. */
    public static long utf8Length(String text) {
        long bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes += 1;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                // A lone surrogate is written as '?' by the encoder: one byte; three bytes is an upper bound.
                bytes += 3;
            }
        }
        return bytes;
    }

    /**
     * {@code head}, then {@code items} separated by commas, then {@code tail}: a JSON array (in a message around it)
     * put together from values encoded already.
     */
    public static byte[] join(byte[] head, java.util.List<byte[]> items, byte[] tail) {
        int size = head.length + tail.length + Math.max(0, items.size() - 1);
        for (byte[] item : items) {
            size += item.length;
        }
        byte[] out = new byte[size];
        System.arraycopy(head, 0, out, 0, head.length);
        int at = head.length;
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            byte[] item = items.get(i);
            System.arraycopy(item, 0, out, at, item.length);
            at += item.length;
        }
        System.arraycopy(tail, 0, out, at, tail.length);
        return out;
    }

    public static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new ScribeException(ScribeException.INTERNAL, "cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static String text(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new ScribeException(ScribeException.INTERNAL, "cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** The wire form of a scribe: {@code {id, klass, type, data, origin, clock, base}}, optional keys omitted. */
    public static ObjectNode toJson(Scribe s) {
        ObjectNode n = object();
        if (s.id() != null) {
            n.put("id", s.id());
        }
        n.put("klass", s.klass());
        n.put("type", s.type().wireName());
        n.set("data", s.data());
        if (s.origin() != null) {
            n.put("origin", s.origin());
        }
        if (s.clock() != 0) {
            n.put("clock", s.clock());
        }
        if (!s.base().isEmpty()) {
            ObjectNode base = n.putObject("base");
            s.base().forEach(base::put);
        }
        return n;
    }

    /**
     * Reads a scribe in wire form. Syncro's scribes have no origin, clock or base; ids may be strings or numbers.
     *
     * @throws ScribeException with code 400 when a mandatory key is missing or has the wrong shape
     */
    public static Scribe scribe(JsonNode n) {
        return ScribeJson.of(n);
    }

    /**
     * Reads a scribe from UTF-8 JSON without a tree for its keys: the same scribe, or the same {@link
     * ScribeException}, as {@code scribe(parse(bytes, offset, length))}.
     */
    public static Scribe scribe(byte[] bytes, int offset, int length) {
        return ScribeJson.read(bytes, offset, length);
    }

    /**
     * Reads the scribe {@code p} is on (or before), as {@link #scribe(JsonNode)} reads its tree, and leaves {@code p}
     * on its last token.
     */
    public static Scribe readScribe(JsonParser p) {
        return ScribeJson.read(p);
    }

    /** Writes {@code s} to {@code g} as {@link #toJson(Scribe)} and {@link #bytes} would. */
    public static void writeScribe(JsonGenerator g, Scribe s) throws IOException {
        ScribeJson.write(g, s);
    }

    /** The wire form of {@code s} in UTF-8, the same bytes as {@code bytes(toJson(s))}, without the tree. */
    public static byte[] scribeBytes(Scribe s) {
        return ScribeJson.bytes(s);
    }

    /** The wire form of {@code s} as text, the same as {@code text(toJson(s))}, without the tree. */
    public static String scribeText(Scribe s) {
        return ScribeJson.text(s);
    }

    /** The stored form of an object state. */
    public static ObjectNode toJson(ObjectState s) {
        ObjectNode n = object();
        n.put("klass", s.klass());
        n.put("id", s.id());
        n.set("fields", s.fields());
        ObjectNode stamps = n.putObject("stamps");
        s.stamps().forEach((field, stamp) -> stamps.set(field, stamp(stamp)));
        if (s.tombstone() != null) {
            n.set("tombstone", stamp(s.tombstone()));
        }
        return n;
    }

    public static ObjectState objectState(JsonNode n) {
        Map<String, Stamp> stamps = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.path("stamps").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            stamps.put(e.getKey(), stamp(e.getValue()));
        }
        JsonNode tomb = n.get("tombstone");
        JsonNode fields = n.get("fields");
        if (!n.path("klass").isTextual() || !n.path("id").isTextual() || fields == null || !fields.isObject()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "not an object state: " + n);
        }
        return new ObjectState(
                n.get("klass").asText(),
                n.get("id").asText(),
                (ObjectNode) fields,
                stamps,
                tomb == null || tomb.isNull() ? null : stamp(tomb));
    }

    private static JsonNode stamp(Stamp s) {
        return s.base() == 0
                ? NODES.arrayNode().add(s.clock()).add(s.origin())
                : NODES.arrayNode().add(s.clock()).add(s.origin()).add(s.base());
    }

    private static Stamp stamp(JsonNode n) {
        return new Stamp(n.path(0).asLong(), n.path(1).asText(), n.path(2).asLong(0));
    }
}
