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

/**
 * The stored form of an object state, {@code {klass, id, fields, stamps, tombstone}}, read as a stream of tokens: only
 * {@code fields} becomes a tree (of {@link SmallMap}s, the form a held state keeps), each stamp is read straight into a
 * {@link Stamp}, and a stamp equal to the one before it is that same instance. A state in any other shape is read by
 * the tree path ({@link Json#objectState(JsonNode)}), which gives the same state or the same error.
 */
final class StateJson {

    /** The owner of the stamps being read, until they are frozen. */
    private static final Object READ = new Object();

    private StateJson() {}

    /** The state {@code bytes} hold, read by stream; null when they are not in the shape a store writes. */
    static ObjectState read(ObjectReader reader, byte[] bytes) {
        return read(reader, bytes, 0, bytes.length);
    }

    /** The state in {@code length} bytes of {@code bytes} from {@code offset}, as {@link #read(ObjectReader, byte[])}. */
    static ObjectState read(ObjectReader reader, byte[] bytes, int offset, int length) {
        try (JsonParser p = reader.createParser(bytes, offset, length)) {
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
                            klass = p.getText();
                        } else {
                            id = p.getText();
                        }
                    }
                    case "fields" -> {
                        if (t != JsonToken.START_OBJECT) {
                            return null;
                        }
                        fields = fields(reader, p);
                    }
                    case "stamps" -> {
                        stamps = t == JsonToken.START_OBJECT ? stamps(p, fields) : null;
                        if (stamps == null) {
                            return null;
                        }
                    }
                    case "tombstone" -> {
                        if (t != JsonToken.VALUE_NULL) {
                            tombstone = stamp(p, t, null);
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
            if (p.nextToken() != null || klass == null || id == null || fields == null) {
                return null;
            }
            return new ObjectState(klass, id, fields, stamps, tombstone);
        } catch (IOException | ScribeException | ClassCastException e) {
            return null;
        }
    }

    /**
     * The members of the object {@code p} is on (its start), as {@code reader.readTree} would make them: a node of
     * {@code reader}'s factory; a text, an int or long number, a boolean or a null member read straight into its
     * node, any other member by {@code readTree}; a name given twice keeps its last value, in its first place. Not
     * one tree-reading context per state for the scalars a state mostly holds.
     */
    private static ObjectNode fields(ObjectReader reader, JsonParser p) throws IOException {
        JsonNodeFactory nodes = reader.getConfig().getNodeFactory();
        ObjectNode fields = nodes.objectNode();
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
            JsonToken t = p.nextToken();
            JsonNode value;
            if (t == JsonToken.VALUE_STRING) {
                value = nodes.textNode(p.getText());
            } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.INT) {
                value = nodes.numberNode(p.getIntValue());
            } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() == JsonParser.NumberType.LONG) {
                value = nodes.numberNode(p.getLongValue());
            } else if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                value = nodes.booleanNode(t == JsonToken.VALUE_TRUE);
            } else if (t == JsonToken.VALUE_NULL) {
                value = nodes.nullNode();
            } else {
                value = reader.readTree(p);
            }
            fields.replace(name, value);
        }
        return fields;
    }

    /**
     * The stamps of the object {@code p} is on, by field, in their order; null when one is not a stamp as stored. Up
     * to {@link SmallStamps#MAX} of them in a frozen {@link SmallStamps}, which a state keeps without a copy (past
     * it, a map that the state copies). {@code fields} are the state's fields read so far, or null.
     */
    private static Map<String, Stamp> stamps(JsonParser p, ObjectNode fields) throws IOException {
        SmallStamps stamps = SmallStamps.empty(fields != null ? fields.size() : 4, READ);
        Stamp last = null;
        for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
            Stamp stamp = stamp(p, p.nextToken(), last);
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
    private static Stamp stamp(JsonParser p, JsonToken t, Stamp last) throws IOException {
        if (t != JsonToken.START_ARRAY || !ScribeJson.isLong(p, p.nextToken())) {
            return null;
        }
        long clock = p.getLongValue();
        if (p.nextToken() != JsonToken.VALUE_STRING) {
            return null;
        }
        String origin = p.getText();
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
