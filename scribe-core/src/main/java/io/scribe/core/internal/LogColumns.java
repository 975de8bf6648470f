package io.scribe.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The scribes of the in-memory store's log, kept by their parts in columns (arrays of a chunk of scribes each)
 * instead of as records: no {@link Scribe}, no array node for an update's {@code [id, fields]} and no map for a
 * one-field base per scribe, only the nodes of what changed (of an update of one field, its value alone). A scribe is made again, under its id, when it is read.
 * The log's heap is then about half of the records', and the collector copies and traces a third of the objects.
 * Not thread-safe: its owner guards it.
 */
final class LogColumns {

    private static final int SHIFT = 10;
    private static final int CHUNK = 1 << SHIFT;
    private static final int MASK = CHUNK - 1;
    private static final Scribe.Type[] TYPES = Scribe.Type.values();

    /** The parts of {@link #CHUNK} scribes. */
    private static final class Chunk {
        final String[] klass = new String[CHUNK];
        final String[] origin = new String[CHUNK];
        final byte[] type = new byte[CHUNK];
        final long[] clock = new long[CHUNK];
        /** Data that is a pair {@code [first, second]}; any other data is {@code first} alone, with a null second. */
        final JsonNode[] first = new JsonNode[CHUNK];
        final JsonNode[] second = new JsonNode[CHUNK];
        /**
         * For a {@code second} that was an object of one member held over a shared key array (a recorded update of
         * one field), that array, and {@code second} is the member's value: the object is made again when read.
         */
        final String[][] secondKey = new String[CHUNK][];
        /** The base: null for none, the field's name for a base of one field (its clock in baseClock), or the map. */
        final Object[] base = new Object[CHUNK];
        final long[] baseClock = new long[CHUNK];

        void clear(int at) {
            klass[at] = null;
            origin[at] = null;
            first[at] = null;
            second[at] = null;
            secondKey[at] = null;
            base[at] = null;
        }
    }

    private final List<Chunk> chunks = new ArrayList<>();
    // Where the first scribe kept is in chunks.get(0); the slots before it were dropped.
    private int head;
    private int size;

    int size() {
        return size;
    }

    /** The chunk of the slot {@link #size()}, added when it starts one. */
    private Chunk last() {
        int at = head + size;
        if ((at >>> SHIFT) == chunks.size()) {
            chunks.add(new Chunk());
        }
        return chunks.get(at >>> SHIFT);
    }

    /** Keeps {@code scribe}'s parts (its id is not kept) at index {@link #size()}. */
    void add(Scribe scribe) {
        Chunk c = last();
        int i = (head + size) & MASK;
        c.klass[i] = scribe.klass();
        c.origin[i] = scribe.origin();
        c.type[i] = (byte) scribe.type().ordinal();
        c.clock[i] = scribe.clock();
        JsonNode data = scribe.data();
        if (data.isArray() && data.size() == 2) {
            c.first[i] = data.get(0);
            JsonNode second = data.get(1);
            String[] key = second instanceof ObjectNode o && HeldNode.indexed(o) == 1 ? HeldNode.sharedKeys(o) : null;
            if (key != null) {
                // The update's one changed field: its value alone, not the object, its map and its array.
                c.secondKey[i] = key;
                c.second[i] = HeldNode.valueAt((ObjectNode) second, 0);
            } else {
                c.second[i] = second;
            }
        } else {
            c.first[i] = data;
        }
        Map<String, Long> base = scribe.base();
        if (base instanceof OneBase one) {
            c.base[i] = one.name();
            c.baseClock[i] = one.clock();
        } else if (base.size() == 1) {
            // A base of one field, as a decoded scribe has it: kept the same way, read back as an equal OneBase.
            Map.Entry<String, Long> only = base.entrySet().iterator().next();
            c.base[i] = only.getKey();
            c.baseClock[i] = only.getValue();
        } else if (!base.isEmpty()) {
            c.base[i] = base;
        }
        size++;
    }

    /**
     * Keeps, at index {@link #size()}, the update of one field whose parts are given (see {@link
     * MemoryStore#commitOneField}), as {@link #add} keeps the scribe they make.
     */
    void addOneField(String klass, String origin, long clock, JsonNode id, String[] key, JsonNode value,
            long baseClock) {
        Chunk c = last();
        int i = (head + size) & MASK;
        c.klass[i] = klass;
        c.origin[i] = origin;
        c.type[i] = (byte) Scribe.Type.UPDATE.ordinal();
        c.clock[i] = clock;
        c.first[i] = id;
        c.secondKey[i] = key;
        c.second[i] = value;
        c.base[i] = key[0];
        c.baseClock[i] = baseClock;
        size++;
    }

    /** The scribe at {@code index} (0 is the first kept), under the id {@code id}. */
    @SuppressWarnings("unchecked")
    Scribe get(int index, String id) {
        int at = head + index;
        Chunk c = chunks.get(at >>> SHIFT);
        int i = at & MASK;
        JsonNode second = c.second[i];
        if (c.secondKey[i] != null) {
            second = HeldNode.single(c.secondKey[i], second);
        }
        Object base = c.base[i];
        return new Scribe(id, c.klass[i], TYPES[c.type[i]], second == null ? c.first[i] : Json.pair(c.first[i], second),
                c.origin[i], c.clock[i],
                base == null ? Map.of() : base instanceof String name ? OneBase.of(name, c.baseClock[i])
                        : (Map<String, Long>) base);
    }

    /** Drops the first {@code count} scribes kept. */
    void dropFirst(int count) {
        if (count <= 0) {
            return;
        }
        if (count >= size) {
            chunks.clear();
            head = 0;
            size = 0;
            return;
        }
        int end = head + count;
        int whole = end >>> SHIFT;
        if (whole > 0) {
            chunks.subList(0, whole).clear();
        }
        Chunk first = chunks.get(0);
        for (int i = whole > 0 ? 0 : head; i < (end & MASK); i++) {
            first.clear(i);
        }
        head = end & MASK;
        size -= count;
    }
}
