package io.scribe.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Reads the outline of a stored scribe (see {@link StoredScribes#outlines}) straight from its bytes, without a JSON
 * parser: the members a store writes, in any order, spaced or not. Strict: whatever it is not sure of (an escape in a
 * string it keeps, a fraction or a long number in data it keeps, anything that is not JSON, an {@code id} member) gives
 * null, and the caller reads that scribe with the parser instead, which outlines it or says what is wrong with it. So
 * an outline read here is the one the parser would read. The {@code klass} and {@code origin} of the previous scribe
 * are kept and given again when the bytes are the same (a log's scribes mostly share a few). Used by one thread.
 */
final class OutlineScan extends ByteScan {

    // The last klass and origin read, as bytes and as the string given for them.
    private byte[] klassBytes = new byte[0];
    private String klass;
    private byte[] originBytes = new byte[0];
    private String origin;

    /** The outline of {@code json} as the scribe {@code id}, or null when the parser has to read it. */
    Scribe outline(byte[] json, long id) {
        b = json;
        end = json.length;
        at = 0;
        try {
            return read(id);
        } catch (ArrayIndexOutOfBoundsException e) {
            return null;   // ran past the end: not a whole scribe
        } finally {
            b = null;
        }
    }

    private Scribe read(long id) {
        if (!next('{')) {
            return null;
        }
        String k = null;
        Scribe.Type type = null;
        JsonNode data = null;
        String o = null;
        long clock = 0;
        if (space() != '}') {
            while (true) {
                if (space() != '"') {
                    return null;
                }
                int keyStart = ++at;
                int keyEnd = plainString();
                if (keyEnd < 0 || !next(':')) {
                    return null;
                }
                int len = keyEnd - keyStart;
                byte c = space();
                if (is("klass", keyStart, len)) {
                    if (c != '"' || (k = klass()) == null) {
                        return null;
                    }
                } else if (is("type", keyStart, len)) {
                    if (c != '"' || (type = type()) == null) {
                        return null;
                    }
                } else if (is("origin", keyStart, len)) {
                    if (c == 'n') {
                        if (!literal("null")) {
                            return null;
                        }
                        o = null;
                    } else if (c != '"' || (o = origin()) == null) {
                        return null;
                    }
                } else if (is("clock", keyStart, len)) {
                    long v = integer();
                    if (v == Long.MIN_VALUE) {
                        return null;
                    }
                    clock = v;
                } else if (is("data", keyStart, len)) {
                    if ((data = c == '[' ? arrayOutline() : c == '{' ? objectOutline() : null) == null) {
                        return null;
                    }
                } else if (is("id", keyStart, len) || !skipValue(0)) {
                    return null;
                }
                byte after = space();
                at++;
                if (after == '}') {
                    break;
                }
                if (after != ',') {
                    return null;
                }
            }
        } else {
            at++;
        }
        space();
        if (at != end) {
            return null;
        }
        if (k == null || type == null || data == null) {
            return null;
        }
        return new Scribe(Long.toString(id), k, type, data, o, clock, Map.of());
    }

    private boolean is(String key, int start, int len) {
        if (key.length() != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (b[start + i] != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * From just after an opening quote: the index of the closing quote of a string of printable ASCII characters
     * without escapes, {@code at} moved past it; -1 for any other string.
     */
    private int plainString() {
        while (true) {
            byte c = b[at];
            if (c == '"') {
                return at++;
            }
            if (c == '\\' || c < 0x20) {
                return -1;   // an escape, a control character, or a byte of a multi-byte UTF-8 character (c < 0)
            }
            at++;
        }
    }

    /** The string {@code at} is on (its opening quote) when it is plain ASCII without escapes, else null. */
    private String text() {
        int start = ++at;
        int close = plainString();
        return close < 0 ? null : new String(b, start, close - start, StandardCharsets.ISO_8859_1);
    }

    private String klass() {
        int start = at + 1;
        if (same(klassBytes, start)) {
            return klass;
        }
        String s = text();
        if (s != null) {
            klass = s;
            klassBytes = java.util.Arrays.copyOfRange(b, start, at - 1);
        }
        return s;
    }

    private String origin() {
        int start = at + 1;
        if (same(originBytes, start)) {
            return origin;
        }
        String s = text();
        if (s != null) {
            origin = s;
            originBytes = java.util.Arrays.copyOfRange(b, start, at - 1);
        }
        return s;
    }

    /** Whether the string from {@code start} holds {@code last} and closes after it; if so, {@code at} is past it. */
    private boolean same(byte[] last, int start) {
        int close = start + last.length;
        if (last.length == 0 || close >= end || b[close] != '"') {
            return false;
        }
        for (int i = 0; i < last.length; i++) {
            if (b[start + i] != last[i]) {
                return false;
            }
        }
        at = close + 1;
        return true;
    }

    private Scribe.Type type() {
        int start = at + 1;
        at++;
        int close = plainString();
        if (close < 0) {
            return null;
        }
        for (Scribe.Type t : TYPES) {
            if (is(t.wireName(), start, close - start)) {
                return t;
            }
        }
        return null;
    }

    private static final Scribe.Type[] TYPES = Scribe.Type.values();

    /** An array's first element, when it is a plain string or an integer; the rest of the array skipped. */
    private JsonNode arrayOutline() {
        at++;
        ArrayNode outline = Json.NODES.arrayNode(1);
        if (space() == ']') {
            at++;
            return outline;
        }
        JsonNode first = scalar();
        if (first == null) {
            return null;
        }
        outline.add(first);
        return skipRest(']', 1) ? outline : null;
    }

    /** An object's scalar members (plain strings, integers, booleans, nulls); other members skipped. */
    private JsonNode objectOutline() {
        at++;
        ObjectNode outline = Json.object();
        if (space() == '}') {
            at++;
            return outline;
        }
        while (true) {
            if (space() != '"') {
                return null;
            }
            String name = text();
            if (name == null || !next(':')) {
                return null;
            }
            byte c = space();
            if (c == '{' || c == '[') {
                if (!skipValue(1)) {
                    return null;
                }
            } else {
                JsonNode v = scalar();
                if (v == null) {
                    return null;
                }
                outline.set(name, v);
            }
            byte after = space();
            at++;
            if (after == '}') {
                return outline;
            }
            if (after != ',') {
                return null;
            }
        }
    }

    /** The scalar {@code at} is on as the node the parser makes of it; null for one this scan leaves to it. */
    private JsonNode scalar() {
        byte c = b[at];
        if (c == '"') {
            String s = text();
            return s == null ? null : Json.NODES.textNode(s);
        }
        if (c == 't') {
            return literal("true") ? Json.NODES.booleanNode(true) : null;
        }
        if (c == 'f') {
            return literal("false") ? Json.NODES.booleanNode(false) : null;
        }
        if (c == 'n') {
            return literal("null") ? Json.NODES.nullNode() : null;
        }
        long v = integer();
        if (v == Long.MIN_VALUE) {
            return null;
        }
        return v == (int) v ? Json.NODES.numberNode((int) v) : Json.NODES.numberNode(v);
    }

    /**
     * An integer of at most 18 digits (no fraction, no exponent, no leading zero) {@code at} is on; Long.MIN_VALUE for
     * anything else (then the parser reads it).
     */
    private long integer() {
        boolean negative = b[at] == '-';
        int i = negative ? at + 1 : at;
        int start = i;
        long v = 0;
        while (i < end && b[i] >= '0' && b[i] <= '9') {
            v = v * 10 + (b[i] - '0');
            i++;
        }
        int digits = i - start;
        if (digits == 0 || digits > 18 || (digits > 1 && b[start] == '0') || i < end && isWordByte(b[i])) {
            return Long.MIN_VALUE;
        }
        at = i;
        return negative ? -v : v;
    }
}
