package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Scriber's identity map: the state it holds of every object (live or tombstone), the live object of each identity
 * and the identity of each live object. One object per identity: a scribe played for an identity changes the object
 * already held, never a second one. Guarded by the Scriber's lock; the maps are changed by the {@link Committer}
 * (and, once, by the {@link Restorer}), read by every stage.
 */
final class IdentityMap {

    /**
     * What is held of one identity: its state (null once none is held) and its live object (null when there is none).
     * One map of these serves both {@link #states} and {@link #object}: one entry and one lookup per object instead
     * of two.
     */
    private static final class Slot {
        ObjectState state;
        Object object;
    }

    private final HashMap<Key, Slot> slots;
    /** The held state of every object, live or tombstone. */
    final States states = new States();
    /** The identity of each live object, by reference. */
    final Map<Object, Key> bound;

    /** Sized for what {@code store} holds (an estimate, capped), so that restoring it does not rehash step by step. */
    IdentityMap(Store store) {
        int expected = (int) Math.min(expectedObjects(store), 1 << 22);
        this.slots = new HashMap<>(capacity(expected));
        this.bound = new IdentityHashMap<>(Math.max(expected, 32));
    }

    /** The held states, by identity: the part of the identity map that stages read and the {@link Committer} sets. */
    final class States {
        private States() {}

        ObjectState get(Key key) {
            Slot slot = slots.get(key);
            return slot == null ? null : slot.state;
        }

        void put(Key key, ObjectState state) {
            java.util.Objects.requireNonNull(state, "state");
            Slot slot = slots.get(key);
            if (slot == null) {
                slot = new Slot();
                slots.put(key, slot);
            }
            slot.state = state;
        }

        void remove(Key key) {
            Slot slot = slots.get(key);
            if (slot != null) {
                slot.state = null;
                if (slot.object == null) {
                    slots.remove(key);
                }
            }
        }

        /** About how many states are held (at least as many; read without the lock, a moment's count). */
        int approximateSize() {
            return slots.size();
        }

        /** Calls {@code action} with every held state, in no particular order. */
        void forEach(java.util.function.BiConsumer<Key, ObjectState> action) {
            slots.forEach((key, slot) -> {
                if (slot.state != null) {
                    action.accept(key, slot.state);
                }
            });
        }
    }

    ObjectState state(Key key) {
        return states.get(key);
    }

    /** The live object with this key, or null. */
    Object object(Key key) {
        Slot slot = slots.get(key);
        return slot == null ? null : slot.object;
    }

    /** Whether {@code object} is live here. */
    boolean holds(Object object) {
        return bound.containsKey(object);
    }

    /**
     * The identity of a live object.
     *
     * @throws IllegalStateException if it is not live here ({@code guid} names this peer in the message)
     */
    Key keyOf(Object object, String guid) {
        Key key = bound.get(object);
        if (key == null) {
            throw new IllegalStateException("not tracked by scriber " + guid + ": " + object
                    + " (create it here first, or it was destroyed)");
        }
        return key;
    }

    /** Binds {@code object} to {@code key}. */
    void bind(Key key, Object object) {
        Slot slot = slots.get(key);
        if (slot == null) {
            slot = new Slot();
            slots.put(key, slot);
        }
        slot.object = object;
        bound.put(object, key);
    }

    /** Unbinds the live object of {@code key}, if any, and returns it. */
    Object unbind(Key key) {
        Slot slot = slots.get(key);
        Object gone = slot == null ? null : slot.object;
        if (gone != null) {
            slot.object = null;
            if (slot.state == null) {
                slots.remove(key);
            }
            bound.remove(gone);
        }
        return gone;
    }

    /** Every live object of {@code classes}, cast to {@code type}. */
    <T> List<T> all(List<SyncedClass<?>> classes, Class<T> type) {
        List<T> result = new ArrayList<>();
        Set<String> klasses = new HashSet<>();
        classes.forEach(c -> klasses.add(c.klass));
        slots.forEach((key, slot) -> {
            if (slot.object != null && klasses.contains(key.klass())) {
                result.add(type.cast(slot.object));
            }
        });
        return result;
    }

    /** The key of the object {@code s} is about: the id field of a create's data, the first element otherwise. */
    static Key keyOfScribe(SyncedClass<?> c, Scribe s) {
        JsonNode id = s.type() == Scribe.Type.CREATE ? s.data().get(c.idField.name()) : s.data().get(0);
        return new Key(c.klass, id == null ? "" : SyncedClass.idText(id));
    }

    /** {@link Store#objectCount()}, 0 when the store cannot tell or fails to. */
    private static long expectedObjects(Store store) {
        try {
            return Math.max(store.objectCount(), 0);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The initial capacity of a HashMap that holds {@code entries} without growing. */
    private static int capacity(int entries) {
        return entries < 12 ? 16 : (int) Math.min(entries / 0.75 + 1, 1 << 30);
    }
}
