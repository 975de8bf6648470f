package io.scribe.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Object nodes whose children are held in a {@link SmallMap}: the fields of the states a peer keeps beside its
 * objects, made compact once and read by index without iterators.
 */
public final class HeldNode {

    private HeldNode() {}

    /**
     * An object node with the same children as {@code node} (the values themselves, not copies) held in a {@link SmallMap},
     * or {@code node} itself when it has more than {@link SmallMap#MAX} of them or is held in one already.
     */
    public static ObjectNode compact(ObjectNode node) {
        if (node instanceof Held held) {
            held.map.shareKeys();
            return node;
        }
        if (node.size() > SmallMap.MAX) {
            return node;
        }
        SmallMap map = new SmallMap(node.size());
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            map.put(e.getKey(), e.getValue());
        }
        map.shareKeys();
        return new Held(map);
    }

    /**
     * A new, empty object node held in a SmallMap: what a state read from a store is built into, so that it needs no
     * second copy to be held.
     */
    public static ObjectNode node() {
        return node(4);
    }

    /**
     * A node of the first {@code size} of {@code keys} (distinct, at most {@link SmallMap#MAX}) and {@code values},
     * copied, its keys shared with the other held maps of the same keys ({@link #compact}): {@code shared} itself when
     * given, which must be a key array {@link #sharedKeys} gave for the same keys in the same order.
     */
    public static ObjectNode of(String[] keys, JsonNode[] values, int size, String[] shared) {
        SmallMap map;
        if (shared != null) {
            map = new SmallMap(shared, size);
        } else {
            map = new SmallMap(size);
            System.arraycopy(keys, 0, map.keys, 0, size);
            map.size = (byte) size;
        }
        System.arraycopy(values, 0, map.values, 0, size);
        map.shareKeys();
        return new Held(map);
    }

    /** A new, empty object node held in a SmallMap with room for {@code capacity} children before it grows. */
    public static ObjectNode node(int capacity) {
        return new Held(new SmallMap(capacity));
    }

    /**
     * A new object node held in a SmallMap whose one child is {@code value} under the one name in {@code key}, an array
     * shared by such nodes and never changed (a second child added gives the node keys of its own).
     */
    public static ObjectNode single(String[] key, JsonNode value) {
        SmallMap map = new SmallMap(key, 1);
        map.values[0] = value;
        return new Held(map);
    }

    /**
     * The number of children of {@code node} readable by index ({@link #keyAt}, {@link #valueAt}) without an iterator:
     * its size when it is held in a small SmallMap, otherwise -1.
     */
    public static int indexed(ObjectNode node) {
        return node instanceof Held held && held.map.large() == null ? held.map.size : -1;
    }

    /**
     * The key array {@code node} shares with the other held maps of the same keys ({@link #compact}), exactly as long
     * as its size; null when it has none (not held in a small SmallMap, or its keys are its own). Never to be changed.
     */
    public static String[] sharedKeys(ObjectNode node) {
        if (node instanceof Held held && held.map.sharedKeys && held.map.large() == null
                && held.map.names().length == held.map.size) {
            return held.map.names();
        }
        return null;
    }

    /** The name of the {@code i}th child of {@code node}, for {@code i} below {@link #indexed}{@code (node)}. */
    public static String keyAt(ObjectNode node, int i) {
        return ((Held) node).map.names()[i];
    }

    /** The {@code i}th child of {@code node}, for {@code i} below {@link #indexed}{@code (node)}. */
    public static JsonNode valueAt(ObjectNode node, int i) {
        return ((Held) node).map.values[i];
    }

    /**
     * An object node over a SmallMap whose {@link #deepCopy()} is one too (copied from the arrays, no entry objects),
     * so a state derived from a held one by copying (the next update of the object) is compact from the start.
     */
    private static final class Held extends ObjectNode {
        private static final long serialVersionUID = 1L;
        private final SmallMap map;

        Held(SmallMap map) {
            super(Json.NODES, map);
            this.map = map;
        }

        @Override
        public ObjectNode deepCopy() {
            if (map.large() != null) {
                return super.deepCopy();
            }
            SmallMap copy;
            if (map.sharedKeys) {
                // The shared key array as it is: no array of its own to drop.
                copy = new SmallMap(map.names(), map.size);
            } else {
                copy = new SmallMap(map.size);
                System.arraycopy(map.keys, 0, copy.keys, 0, map.size);
            }
            for (int i = 0; i < map.size; i++) {
                copy.values[i] = map.values[i].deepCopy();
            }
            copy.size = map.size;
            return new Held(copy);
        }
    }
}
