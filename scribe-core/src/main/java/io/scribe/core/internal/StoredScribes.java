package io.scribe.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.StoredScribe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scribes as a store keeps them ({@link StoredScribe}: UTF-8 JSON without the id), sent on in catch-up pages without
 * decoding their data: what deciding who may see one needs is read by stream, and the wire form is the stored bytes
 * with the id put in front.
 */
public final class StoredScribes {

    private StoredScribes() {}

    /**
     * For each of {@code stored}, in order, a scribe that holds what deciding who may see it needs: its id, klass,
     * type, origin and clock, and of its data only what names its object (a create's scalar members, the first element
     * of an update's or a destroy's array). Its base is empty and the rest of its data left out: it is not the
     * scribe, only its outline. Read from the bytes without a parser ({@link OutlineScan}) where that is sure, else
     * by a parser. A stored scribe that cannot be outlined so (it holds an
     * {@code id} member, or is not in the shape a store writes) is decoded in full, and encoded again for sending.
     *
     * @throws ScribeException (400) naming the first stored scribe that is not a scribe, as decoding it would
     */
    public static Outlined outlines(List<StoredScribe> stored) {
        List<Scribe> out = new ArrayList<>(stored.size());
        List<StoredScribe> sendable = null;
        OutlineScan scan = new OutlineScan();
        for (int i = 0; i < stored.size(); i++) {
            StoredScribe s = stored.get(i);
            Scribe outline = scan.outline(s.json(), s.id());
            if (outline == null) {
                // Not what the scan reads for sure: the parser reads it, for its outline, or decodes it.
                outline = parsedOutline(s);
            }
            if (outline == null) {
                Scribe decoded = decode(s);
                outline = decoded;
                if (sendable == null) {
                    sendable = new ArrayList<>(stored.subList(0, i));
                }
                sendable.add(new StoredScribe(s.id(), Json.scribeBytes(decoded.withId(null))));
            } else if (sendable != null) {
                sendable.add(s);
            }
            out.add(outline);
        }
        return new Outlined(out, sendable == null ? stored : sendable);
    }

    /** The outline of {@code s} read by a parser, or null when it is not in the shape a store writes. */
    static Scribe parsedOutline(StoredScribe s) {
        try (JsonParser p = Json.READER.createParser(s.json())) {
            Scribe outline = p.nextToken() == JsonToken.START_OBJECT ? outline(p, s.id()) : null;
            return p.nextToken() == null ? outline : null;
        } catch (IOException | ScribeException e) {
            return null;
        }
    }

    /**
     * Stored scribes and their outlines, in step.
     *
     * @param outlines each scribe's outline (or the whole scribe, when it had to be decoded)
     * @param stored the scribes to send: those read, but for any that had to be decoded, which are encoded again
     *     without their id
     */
    public record Outlined(List<Scribe> outlines, List<StoredScribe> stored) {}

    /** The scribe {@code s} holds, decoded in full, under its id. */
    public static Scribe decode(StoredScribe s) {
        return Json.scribe(s.json(), 0, s.json().length).withId(Long.toString(s.id()));
    }

    /**
     * Reads the outline of the object whose start {@code p} is on, and the end of it; null when it holds an
     * {@code id} member (then its bytes cannot simply be given one) or misses a mandatory one.
     */
    private static Scribe outline(JsonParser p, long id) throws IOException {
        String klass = null;
        String type = null;
        JsonNode data = null;
        String origin = null;
        long clock = 0;
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            // A member not in the shape a store writes: null, and the full decoding says what it is.
            switch (key) {
                case "klass", "type" -> {
                    if (t != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    if (key.equals("klass")) {
                        klass = p.getText();
                    } else {
                        type = p.getText();
                    }
                }
                case "origin" -> {
                    if (t != JsonToken.VALUE_STRING && t != JsonToken.VALUE_NULL) {
                        return null;
                    }
                    origin = t == JsonToken.VALUE_STRING ? p.getText() : null;
                }
                case "clock" -> {
                    if (!ScribeJson.isLong(p, t)) {
                        return null;
                    }
                    clock = p.getLongValue();
                }
                case "data" -> data = dataOutline(p, t);
                case "id" -> {
                    return null;
                }
                default -> p.skipChildren();
            }
        }
        if (klass == null || type == null || data == null) {
            return null;
        }
        Scribe.Type kind;
        try {
            kind = Scribe.Type.fromWire(type);
        } catch (IllegalArgumentException e) {
            return null;
        }
        return new Scribe(Long.toString(id), klass, kind, data, origin, clock, Map.of());
    }

    /** An array's first element; an object's scalar members; null for anything else. */
    private static JsonNode dataOutline(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.START_ARRAY) {
            ArrayNode outline = Json.NODES.arrayNode(1);
            JsonToken first = p.nextToken();
            if (first == JsonToken.END_ARRAY) {
                return outline;
            }
            outline.add(first.isScalarValue() ? scalar(p) : Json.READER.readTree(p));
            while (p.nextToken() != JsonToken.END_ARRAY) {
                p.skipChildren();
            }
            return outline;
        }
        if (t == JsonToken.START_OBJECT) {
            ObjectNode outline = Json.object();
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                if (p.nextToken().isScalarValue()) {
                    outline.set(name, scalar(p));
                } else {
                    p.skipChildren();
                }
            }
            return outline;
        }
        p.skipChildren();
        return null;
    }

    /** The scalar {@code p} is on, as a node: strings and integers made directly, the rest as a tree. */
    private static JsonNode scalar(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING) {
            return Json.NODES.textNode(p.getText());
        }
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
            return Json.NODES.numberNode(p.getIntValue());
        }
        if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG) {
            return Json.NODES.numberNode(p.getLongValue());
        }
        return Json.READER.readTree(p);
    }

    // Each scribe's bytes on the wire: {"id":"N", then the stored bytes after their opening brace.
    private static final byte[] ID_KEY = "{\"id\":\"".getBytes(StandardCharsets.US_ASCII);

    /**
     * The length of {@code s} on the wire with its id, as {@link #writeWire} writes it; -1 when its bytes do not start
     * an object with members (then it is sent decoded and encoded again).
     */
    public static int wireLength(StoredScribe s) {
        int open = afterBrace(s.json());
        if (open < 0) {
            return -1;
        }
        return ID_KEY.length + digits(s.id()) + 2 + (s.json().length - open);
    }

    /** Writes {@code s} with its id at {@code at} of {@code out}, {@link #wireLength} bytes; returns the end. */
    public static int writeWire(StoredScribe s, byte[] out, int at) {
        byte[] json = s.json();
        int open = afterBrace(json);
        System.arraycopy(ID_KEY, 0, out, at, ID_KEY.length);
        at += ID_KEY.length;
        byte[] id = Long.toString(s.id()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(id, 0, out, at, id.length);
        at += id.length;
        out[at++] = '"';
        out[at++] = ',';
        System.arraycopy(json, open, out, at, json.length - open);
        return at + json.length - open;
    }

    /** The index after the opening brace of {@code json}, whose first member must follow; -1 if it is not so. */
    private static int afterBrace(byte[] json) {
        int i = ScribeJson.skipSpace(json, 0, json.length);
        if (i >= json.length || json[i] != '{') {
            return -1;
        }
        int member = ScribeJson.skipSpace(json, i + 1, json.length);
        return member < json.length && json[member] == '"' ? i + 1 : -1;
    }

    /** The number of characters of {@code id} in decimal, without writing it. */
    private static int digits(long id) {
        int n = id < 0 ? 2 : 1;
        for (long v = Math.abs(id / 10); v > 0; v /= 10) {
            n++;
        }
        return n;
    }
}
