package io.scribe.core.internal;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.SegmentedStringWriter;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The wire form of a scribe, {@code {id, klass, type, data, origin, clock, base}}, read and written as a stream of
 * tokens: only {@code data} becomes a tree. What is read and written is exactly what {@link Json#toJson(Scribe)},
 * {@link Json#bytes} and {@link Json#scribe(JsonNode)} make of the same input, errors included; the rules a scribe's
 * keys are read by are defined once here, for trees and for streams.
 */
final class ScribeJson {

    /** Configures generators as {@link Json#bytes} does. */
    private static final ObjectWriter WRITER = Json.MAPPER.writer();

    private ScribeJson() {}

    // --- writing

    static void write(JsonGenerator g, Scribe s) throws IOException {
        g.writeStartObject();
        if (s.id() != null) {
            g.writeStringField("id", s.id());
        }
        g.writeStringField("klass", s.klass());
        g.writeStringField("type", s.type().wireName());
        g.writeFieldName("data");
        // As the mapper writes a tree (Json.bytes), without its flush after the value.
        s.data().serialize(g, Json.MAPPER.getSerializerProviderInstance());
        if (s.origin() != null) {
            g.writeStringField("origin", s.origin());
        }
        if (s.clock() != 0) {
            g.writeNumberField("clock", s.clock());
        }
        if (!s.base().isEmpty()) {
            g.writeObjectFieldStart("base");
            for (Map.Entry<String, Long> e : s.base().entrySet()) {
                g.writeNumberField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    static byte[] bytes(Scribe s) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(Json.MAPPER.getFactory()._getBufferRecycler())) {
            try (JsonGenerator g = WRITER.createGenerator(out, JsonEncoding.UTF8)) {
                write(g, s);
            }
            byte[] bytes = out.toByteArray();
            out.release();
            return bytes;
        } catch (IOException e) {
            throw cannotWrite(e);
        }
    }

    static String text(Scribe s) {
        SegmentedStringWriter out = new SegmentedStringWriter(Json.MAPPER.getFactory()._getBufferRecycler());
        try (JsonGenerator g = WRITER.createGenerator(out)) {
            write(g, s);
            g.close();
            return out.getAndClear();
        } catch (IOException e) {
            throw cannotWrite(e);
        }
    }

    private static ScribeException cannotWrite(IOException e) {
        String message = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        return new ScribeException(ScribeException.INTERNAL, "cannot write JSON: " + message, e);
    }

    // --- reading

    /** Reads a scribe from {@code bytes}; the outcome, a scribe or a 400, is that of the tree path. */
    static Scribe read(byte[] bytes, int offset, int length) {
        try (JsonParser p = Json.READER.createParser(bytes, offset, length)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                // Not an object (or nothing): whatever the tree path makes of it, error included.
                return of(Json.parse(bytes, offset, length));
            }
            return readObject(p);
        } catch (IOException e) {
            throw Json.malformed(e);
        }
    }

    /**
     * Reads a scribe from {@code p}, positioned before its value or on its first token, and leaves it on the
     * scribe's last token.
     */
    static Scribe read(JsonParser p) {
        try {
            JsonToken first = p.currentToken() != null ? p.currentToken() : p.nextToken();
            if (first == null) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "empty message");
            }
            return first == JsonToken.START_OBJECT ? readObject(p) : of(tree(p));
        } catch (IOException e) {
            throw Json.malformed(e);
        }
    }

    /** Reads the keys of the object whose start {@code p} is on, and the end of it. */
    static Scribe readObject(JsonParser p) throws IOException {
        return readObject(p, null);
    }

    /**
     * {@link #readObject(JsonParser)}, taking {@code klass} and {@code origin} strings equal to the last ones from
     * {@code seen} (null: none) instead of making new ones.
     */
    static Scribe readObject(JsonParser p, RecentTexts seen) throws IOException {
        String id = null;
        String klass = null;
        String type = null;
        JsonNode data = null;
        String origin = null;
        long clock = 0;
        Map<String, Long> base = Map.of();
        // The keys as the tree deserializer reads them (nextFieldName, then the value): the same errors.
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            switch (key) {
                case "id" -> id = t == JsonToken.VALUE_STRING ? p.getText() : optionalText(tree(p));
                case "klass" -> klass = t != JsonToken.VALUE_STRING ? textual(tree(p))
                        : seen != null ? seen.klass(p) : p.getText();
                case "type" -> type = t == JsonToken.VALUE_STRING ? p.getText() : textual(tree(p));
                case "data" -> data = data(p, t);
                case "origin" -> origin = t != JsonToken.VALUE_STRING ? optionalText(tree(p))
                        : seen != null ? seen.origin(p) : p.getText();
                case "clock" -> clock = isLong(p, t) ? p.getLongValue() : clock(tree(p));
                case "base" -> base = t == JsonToken.START_OBJECT ? readBase(p) : base(tree(p));
                // Read, not skipped, so that it fails where the tree path would.
                default -> tree(p);
            }
        }
        return make(id, klass, type, data, origin, clock, base);
    }

    private static Map<String, Long> readBase(JsonParser p) throws IOException {
        String first = p.nextFieldName();
        if (first == null) {
            return Map.of();
        }
        long value = readBaseValue(p);
        String key = p.nextFieldName();
        if (key == null) {
            // The usual base, one changed field: the immutable map the scribe keeps as it is.
            return Map.of(first, value);
        }
        Map<String, Long> base = new HashMap<>();
        base.put(first, value);
        for (; key != null; key = p.nextFieldName()) {
            base.put(key, readBaseValue(p));
        }
        return base;
    }

    private static long readBaseValue(JsonParser p) throws IOException {
        return isLong(p, p.nextToken()) ? p.getLongValue() : baseValue(tree(p));
    }

    /** The index of the first byte of {@code json} from {@code i} that is not JSON white space, at most {@code end}. */
    static int skipSpace(byte[] json, int i, int end) {
        while (i < end && (json[i] == ' ' || json[i] == '\n' || json[i] == '\r' || json[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** Whether {@code t}, the token {@code p} is on, is an integer that fits a long. */
    static boolean isLong(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            return false;
        }
        JsonParser.NumberType n = p.getNumberType();
        return n == JsonParser.NumberType.INT || n == JsonParser.NumberType.LONG;
    }

    /** The value {@code p} is on as a tree, read as {@link Json#parse} reads one (same node factory and features). */
    static JsonNode tree(JsonParser p) throws IOException {
        try {
            return Json.READER.readTree(p);
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof ScribeException se) {
                throw se;
            }
            throw e;
        }
    }

    /**
     * A scribe's {@code data}, {@code t} the token {@code p} is on, as {@link #tree} reads it: an array or an object
     * whose elements are strings, integers, booleans, nulls (or, in an array, objects of those) is built here with
     * the nodes the tree deserializer makes of them, without a deserialization context or its buffers; any other
     * value, within them too, is read by {@link #tree}. A member named twice keeps its last value at its first
     * place, as the tree does.
     */
    static JsonNode data(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_ARRAY) {
            // Room for an update's two elements; it grows for more.
            ArrayNode array = Json.NODES.arrayNode(2);
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                array.add(e == JsonToken.START_OBJECT ? object(p) : value(p, e));
            }
            return array;
        }
        return t == JsonToken.START_OBJECT ? object(p) : tree(p);
    }

    /** The members of the object whose start {@code p} is on, to its end. */
    private static ObjectNode object(JsonParser p) throws IOException {
        // A table of 4 (3 members before it grows) rather than 16: most data objects hold a few members.
        ObjectNode object = new ObjectNode(Json.NODES, new LinkedHashMap<>(4));
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            object.replace(name, value(p, p.nextToken()));
        }
        return object;
    }

    /** A value: the scalars the data of scribes mostly holds made directly, the rest by {@link #tree}. */
    private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
        switch (t) {
            case VALUE_STRING:
                return Json.NODES.textNode(p.getText());
            case VALUE_NUMBER_INT:
                JsonParser.NumberType n = p.getNumberType();
                if (n == JsonParser.NumberType.INT) {
                    return Json.NODES.numberNode(p.getIntValue());
                }
                return n == JsonParser.NumberType.LONG ? Json.NODES.numberNode(p.getLongValue()) : tree(p);
            case VALUE_TRUE:
                return Json.NODES.booleanNode(true);
            case VALUE_FALSE:
                return Json.NODES.booleanNode(false);
            case VALUE_NULL:
                return Json.NODES.nullNode();
            default:
                return tree(p);
        }
    }

    // --- the rules, for trees and streams

    /** Reads a scribe in wire form from a tree (see {@link Json#scribe(JsonNode)}). */
    static Scribe of(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "scribe must be a JSON object");
        }
        return make(optionalText(n.get("id")), textual(n.get("klass")), textual(n.get("type")), n.get("data"),
                optionalText(n.get("origin")), clock(n.get("clock")), base(n.get("base")));
    }

    /** A key that must be a string: its text, or null when it is missing or not a string. */
    private static String textual(JsonNode n) {
        return n != null && n.isTextual() ? n.asText() : null;
    }

    /** {@code id} and {@code origin}: null when missing or null, else the value as text (a number's digits). */
    private static String optionalText(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static long clock(JsonNode n) {
        return n == null ? 0 : n.asLong();
    }

    /** {@code base}: ignored unless it is an object; each value read as a long. */
    private static Map<String, Long> base(JsonNode b) {
        if (b == null || !b.isObject()) {
            return Map.of();
        }
        Map<String, Long> base = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = b.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            base.put(e.getKey(), baseValue(e.getValue()));
        }
        return base;
    }

    private static long baseValue(JsonNode v) {
        return v.asLong();
    }

    /**
     * The scribe of the keys read, {@code klass} and {@code type} null when missing or not strings.
     *
     * @throws ScribeException with code 400 when a mandatory key is missing or has the wrong shape
     */
    private static Scribe make(String id, String klass, String type, JsonNode data, String origin, long clock,
            Map<String, Long> base) {
        if (klass == null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "scribe has no klass");
        }
        if (type == null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "scribe has no type");
        }
        if (data == null || data.isNull()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "scribe has no data");
        }
        Scribe.Type t;
        try {
            t = Scribe.Type.fromWire(type);
        } catch (IllegalArgumentException e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, e.getMessage());
        }
        return new Scribe(id, klass, t, data, origin, clock, base);
    }
}
