package io.scribe.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The stored form of an object state, {@code {klass, id, fields, stamps, tombstone}}, read as a stream of tokens: only
 * {@code fields} becomes a tree (of {@link SmallMap}s, the form a held state keeps; its scalar members read straight
 * into their nodes), each stamp is read straight into a {@link Stamp}, a stamp equal to the one before it is that same
 * instance, and the stamps are kept in a frozen {@link SmallStamps}. A state in any other shape is read by the tree
 * path ({@link Json#objectState(JsonNode)}), which gives the same state or the same error. Many states stored one
 * after the other are read by one parser ({@link #readAll}).
 */
final class StateJson {

    /** The owner of the stamps being read, until they are frozen. */
    private static final Object READ = new Object();

    private StateJson() {}

    /** The state {@code bytes} hold, read by stream; null when they are not in the shape a store writes. */
    static ObjectState read(ObjectReader reader, byte[] bytes) {
        return read(reader, bytes, 0, bytes.length);
    }

    /** The state in {@code length} bytes of {@code bytes} from {@code offset}, read as {@link #read(ObjectReader,
     * byte[])} reads an array of its own. */
    static ObjectState read(ObjectReader reader, byte[] bytes, int offset, int length) {
        try (JsonParser p = reader.createParser(bytes, offset, length)) {
            ObjectState state = next(reader, p, null);
            return state != null && p.nextToken() == null ? state : null;
        } catch (IOException | ScribeException | ClassCastException e) {
            return null;
        }
    }

    /**
     * Calls {@code action} with each of the {@code count} states held one after the other in {@code bytes}, the
     * {@code i}th from where the one before it ends (the first from 0) to {@code ends[i]}, in that order: read by one
     * parser from state to state, each as {@link #read(ObjectReader, byte[], int, int)} reads its bytes alone; one
     * that parser cannot take within its own bytes is read alone by {@code alone} (the same state or the same
     * error), and the parser starts again after it.
     */
    static void readAll(ObjectReader reader, byte[] bytes, int[] ends, int count, Consumer<? super ObjectState> action,
            Alone alone) {
        Scratch scratch = new Scratch();
        JsonParser p = null;
        int base = 0;
        try {
            for (int i = 0; i < count; i++) {
                int start = i == 0 ? 0 : ends[i - 1];
                ObjectState state = null;
                if (p == null) {
                    p = reader.createParser(bytes, start, ends[count - 1] - start);
                    base = start;
                }
                try {
                    state = next(reader, p, scratch);
                    if (state != null && !endsWithin(bytes, base + (int) p.currentLocation().getByteOffset(),
                            ends[i])) {
                        state = null;
                    }
                } catch (IOException | ScribeException | ClassCastException e) {
                    state = null;
                }
                if (state == null) {
                    p.close();
                    p = null;
                    state = alone.read(bytes, start, ends[i] - start);
                }
                action.accept(state);
            }
        } catch (IOException e) {
            throw Json.malformed(e);
        } finally {
            if (p != null) {
                try {
                    p.close();
                } catch (IOException e) {
                    // A parser over an array holds nothing to release.
                }
            }
        }
    }

    /** Reads a state alone, as {@link Json#objectState(byte[], int, int)}. */
    interface Alone {
        ObjectState read(byte[] bytes, int offset, int length);
    }

    /** Whether the parser stopped at {@code at}, no further than {@code end}, with only white space up to it. */
    private static boolean endsWithin(byte[] bytes, int at, int end) {
        return at <= end && ScribeJson.skipSpace(bytes, at, end) == end;
    }

    /**
     * The state whose object starts at the next token of {@code p}, read up to its end; null when it is not in the
     * shape a store writes (then {@code p} is left anywhere in it). {@code scratch}: where fields are gathered before
     * their node is made, or null for the reader's own nodes.
     */
    private static ObjectState next(ObjectReader reader, JsonParser p, Scratch scratch) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        String klass = null;
        String id = null;
        ObjectNode fields = null;
        Map<String, Stamp> stamps = Map.of();
        Stamp tombstone = null;
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            switch (key) {
                case "klass", "id" -> {
                    if (t != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    if (key.equals("klass")) {
                        klass = scratch != null ? scratch.seen.klass(p) : p.getText();
                    } else {
                        id = p.getText();
                    }
                }
                case "fields" -> {
                    if (t != JsonToken.START_OBJECT) {
                        return null;
                    }
                    fields = scratch != null ? scratch.fields(reader, p) : fields(reader, p);
                }
                case "stamps" -> {
                    stamps = t == JsonToken.START_OBJECT ? stamps(p, fields, scratch) : null;
                    if (stamps == null) {
                        return null;
                    }
                }
                case "tombstone" -> {
                    if (t != JsonToken.VALUE_NULL) {
                        tombstone = stamp(p, t, null, scratch);
                        if (tombstone == null) {
                            return null;
                        }
                    }
                }
                default -> {
                    return null;
                }
            }
        }
        if (klass == null || id == null || fields == null) {
            return null;
        }
        return new ObjectState(klass, id, fields, stamps, tombstone);
    }

    /**
     * The members of the object {@code p} is on (its start), as {@code reader.readTree} would make them: a node of
     * {@code reader}'s factory; a text, an int or long number, a boolean or a null member read straight into its
     * node, any other member by {@code readTree}; a name given twice keeps its last value, in its first place. Not
     * one tree-reading context per state for the scalars a state mostly holds.
     */
    private static ObjectNode fields(ObjectReader reader, JsonParser p) throws IOException {
        ObjectNode fields = reader.getConfig().getNodeFactory().objectNode();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            fields.replace(name, member(reader, p, p.nextToken()));
        }
        return fields;
    }

    /** The value whose first token {@code p} is on ({@code t}), as {@code reader.readTree} would make it. */
    private static JsonNode member(ObjectReader reader, JsonParser p, JsonToken t) throws IOException {
        JsonNodeFactory nodes = reader.getConfig().getNodeFactory();
        if (t == JsonToken.VALUE_STRING) {
            return nodes.textNode(p.getText());
        } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
            return nodes.numberNode(p.getIntValue());
        } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG) {
            return nodes.numberNode(p.getLongValue());
        } else if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
            return nodes.booleanNode(t == JsonToken.VALUE_TRUE);
        } else if (t == JsonToken.VALUE_NULL) {
            return nodes.nullNode();
        }
        return reader.readTree(p);
    }

    /**
     * Where the fields of the states one parser reads are gathered before their node is made, at their size, over the
     * key array of the state before when the names are the same ({@link HeldNode#of}): no array made to be
     * trimmed, nor a lookup of the shared keys, per state. For readers whose objects are held nodes ({@link
     * Json#STATE_READER}).
     */
    private static final class Scratch {
        private final String[] names = new String[SmallMap.MAX];
        private final JsonNode[] values = new JsonNode[SmallMap.MAX];
        private String[] lastKeys;
        /** The class and the stamp origin last read: the same instance for the next state that names them. */
        private final RecentTexts seen = new RecentTexts();

        ObjectNode fields(ObjectReader reader, JsonParser p) throws IOException {
            int size = 0;
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonNode value = member(reader, p, p.nextToken());
                int at = 0;
                while (at < size && !names[at].equals(name)) {
                    at++;
                }
                if (at < size) {
                    values[at] = value;
                } else if (size < names.length) {
                    names[size] = name;
                    values[size++] = value;
                } else {
                    // More fields than a small held node takes: the reader's own node from here on.
                    ObjectNode large = reader.getConfig().getNodeFactory().objectNode();
                    for (int i = 0; i < size; i++) {
                        large.replace(names[i], values[i]);
                    }
                    large.replace(name, value);
                    for (name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                        large.replace(name, member(reader, p, p.nextToken()));
                    }
                    return large;
                }
            }
            boolean same = lastKeys != null && lastKeys.length == size;
            for (int i = 0; same && i < size; i++) {
                same = lastKeys[i] == names[i];
            }
            ObjectNode node = HeldNode.of(names, values, size, same ? lastKeys : null);
            String[] keys = HeldNode.sharedKeys(node);
            if (keys != null) {
                lastKeys = keys;
            }
            java.util.Arrays.fill(values, 0, size, null);
            return node;
        }
    }

    /**
     * The stamps of the object {@code p} is on, by field, in their order; null when one is not a stamp as stored. Up
     * to {@link SmallStamps#MAX} of them in a frozen {@link SmallStamps}, which a state keeps without a copy (past
     * it, a map that the state copies). {@code fields} are the state's fields read so far, or null.
     */
    private static Map<String, Stamp> stamps(JsonParser p, ObjectNode fields, Scratch scratch) throws IOException {
        SmallStamps stamps = SmallStamps.empty(fields != null ? fields.size() : 4, READ);
        Stamp last = null;
        for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
            Stamp stamp = stamp(p, p.nextToken(), last, scratch);
            if (stamp == null) {
                return null;
            }
            stamps.put(field, stamp);
            last = stamp;
        }
        if (stamps.size() > SmallStamps.MAX) {
            return new LinkedHashMap<>(stamps);
        }
        stamps.freeze(fields);
        return stamps;
    }

    /**
     * The stamp {@code [clock, origin]} or {@code [clock, origin, base]} whose start {@code p} is on ({@code t}):
     * {@code last} itself when it is equal; null when it is not in that shape.
     */
    private static Stamp stamp(JsonParser p, JsonToken t, Stamp last, Scratch scratch) throws IOException {
        if (t != JsonToken.START_ARRAY || !ScribeJson.isLong(p, p.nextToken())) {
            return null;
        }
        long clock = p.getLongValue();
        if (p.nextToken() != JsonToken.VALUE_STRING) {
            return null;
        }
        String origin = scratch != null ? scratch.seen.origin(p) : p.getText();
        long base = 0;
        JsonToken next = p.nextToken();
        if (next != JsonToken.END_ARRAY) {
            if (!ScribeJson.isLong(p, next)) {
                return null;
            }
            base = p.getLongValue();
            if (p.nextToken() != JsonToken.END_ARRAY) {
                return null;
            }
        }
        if (last != null && last.clock() == clock && last.base() == base && last.origin().equals(origin)) {
            return last;
        }
        return new Stamp(clock, last != null && last.origin().equals(origin) ? last.origin() : origin, base);
    }
}
