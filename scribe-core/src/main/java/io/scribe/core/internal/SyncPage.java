package io.scribe.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A page of a peer's log, as the answer to a {@code sync} carries it: {@code {"type":"response","id":...,"more":...,
 * "cursor":...,"result":[scribe, ...]}}.
 *
 * <p>{@link #read(byte[], int, int)} reads such an answer from its frame in one pass of tokens: its members other than
 * {@code result} each become a tree, as {@link Json#parse} makes them, and the scribes of {@code result} are read
 * straight into {@link Scribe}s, as {@link Json#readScribe} reads them (only their {@code data} becomes a tree). No
 * tree of the whole message is made. It reads only what the tree path reads the same way with no error: a message
 * that is not a {@code response}, whose {@code result} is not an array of scribes that all read (one that is not a
 * JSON object, one without {@code klass}...), that is not well-formed JSON, or that has a member twice, is not read
 * ({@code null}), and goes through {@link Json#parse} and {@link Json#scribe(JsonNode)} as any message, with their
 * outcome, errors included.
 *
 * <p>{@link #of(JsonNode)} holds an answer parsed as a tree: its scribes are read from its {@code result} as they
 * are played.
 */
public final class SyncPage {

    // How Scribe peers begin every message: when the type written there is another one, the message is not read here.
    private static final String TYPE_FIRST_TEXT = "{\"type\":\"";
    private static final String RESPONSE_TEXT = "response\"";
    private static final byte[] TYPE_FIRST = TYPE_FIRST_TEXT.getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RESPONSE = RESPONSE_TEXT.getBytes(StandardCharsets.US_ASCII);

    private final JsonNode message;
    private final List<Scribe> scribes;
    private final long largestScribe;

    private SyncPage(JsonNode message, List<Scribe> scribes, long largestScribe) {
        this.message = message;
        this.scribes = scribes;
        this.largestScribe = largestScribe;
    }

    /** An answer parsed as a tree, whole: its {@code result} is read as its scribes are played. */
    public static SyncPage of(JsonNode message) {
        return new SyncPage(message, null, 0);
    }

    /**
     * Reads the answer {@code bytes[offset, offset+length)} (UTF-8) holds, or returns null when it is not one this
     * reads exactly as the tree path does (see the class comment); never throws.
     */
    public static SyncPage read(byte[] bytes, int offset, int length) {
        if (otherTypeFirst(bytes, offset, length)) {
            return null;
        }
        try (JsonParser p = Json.READER.createParser(bytes, offset, length)) {
            return read(p);
        } catch (IOException | RuntimeException e) {
            // Not well-formed, or a scribe that does not read: the tree path says what it is.
            return null;
        }
    }

    /** As {@link #read(byte[], int, int)}, for a message received as text. */
    public static SyncPage read(String text) {
        if (text.startsWith(TYPE_FIRST_TEXT) && !text.startsWith(RESPONSE_TEXT, TYPE_FIRST_TEXT.length())) {
            return null;
        }
        try (JsonParser p = Json.READER.createParser(text)) {
            return read(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static boolean otherTypeFirst(byte[] bytes, int offset, int length) {
        if (length < TYPE_FIRST.length + RESPONSE.length) {
            return false;
        }
        for (int i = 0; i < TYPE_FIRST.length; i++) {
            if (bytes[offset + i] != TYPE_FIRST[i]) {
                return false;
            }
        }
        for (int i = 0; i < RESPONSE.length; i++) {
            if (bytes[offset + TYPE_FIRST.length + i] != RESPONSE[i]) {
                return true;
            }
        }
        return false;
    }

    private static SyncPage read(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        ObjectNode message = Json.object();
        List<Scribe> scribes = null;
        long largest = 0;
        boolean typed = false;
        // As the tree path reads the message: its first value, whatever follows it.
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            if (key.equals("result")) {
                if (t != JsonToken.START_ARRAY || scribes != null) {
                    return null;
                }
                scribes = new ArrayList<>();
                RecentTexts seen = new RecentTexts();
                for (t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                    if (t != JsonToken.START_OBJECT) {
                        return null;
                    }
                    long start = p.currentTokenLocation().getByteOffset();
                    scribes.add(ScribeJson.readObject(p, seen));
                    long end = p.currentLocation().getByteOffset();
                    // Unknown (-1) when read from characters: then no bound is given.
                    largest = start < 0 || end < start || largest < 0 ? -1 : Math.max(largest, end - start);
                }
                continue;
            }
            if (key.equals("type")) {
                if (t != JsonToken.VALUE_STRING || !p.getText().equals("response")) {
                    return null;
                }
                typed = true;
            }
            if (message.replace(key, ScribeJson.tree(p)) != null) {
                // A member twice: the tree keeps the last one; left to it.
                return null;
            }
        }
        return typed && scribes != null ? new SyncPage(message, scribes, Math.max(largest, 0)) : null;
    }

    /**
     * The answer's members: all of them for an answer parsed as a tree, all but {@code result} for one read from its
     * frame.
     */
    public JsonNode message() {
        return message;
    }

    /** The scribes of {@code result}, read from the frame; null for an answer parsed as a tree (see {@link #of}). */
    public List<Scribe> scribes() {
        return scribes;
    }

    /**
     * An upper bound of the size of the {@code data} of any scribe of {@link #scribes()} as this peer encodes it, in
     * UTF-8 bytes, from the bytes the largest scribe took in the frame; 0 when unknown (an answer parsed as a tree or
     * read from characters). A scribe's data takes at most its bytes in the frame once encoded again (spaces and
     * escapes of ASCII characters go, a member named twice is written once) but for a number written shorter than
     * Java writes the double read from it ({@code 1e6}, 3 bytes, is written {@code 1000000.0}): at most 3 times as many
     * bytes. Four times, and a margin, are taken.
     */
    public long dataBound() {
        return largestScribe > 0 ? 4 * largestScribe + 32 : 0;
    }

    /** The number of elements of {@code result}: 0 when it is missing or not an array. */
    public int size() {
        return scribes != null ? scribes.size() : message.path("result").size();
    }
}
