package io.scribe.core;

import io.scribe.core.spi.ObjectState;
import java.util.AbstractMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;

/**
 * The object states one {@link Txn} stages, by key, in the order first staged, as a {@code LinkedHashMap} keeps them:
 * the only one held in two fields of the map itself (the usual step concerns one object), all of them in a
 * {@code LinkedHashMap} from the second key on. No entry is removed. Confined to the thread holding the lock.
 */
final class StagedStates extends AbstractMap<Key, ObjectState> {

    /** The only key and its state, while {@link #more} is null; null before the first put. */
    private Key key;
    private ObjectState state;
    /** Every entry once there are two keys or more. */
    private LinkedHashMap<Key, ObjectState> more;

    /** The state staged first, or null when none is. */
    ObjectState first() {
        return more == null ? state : more.values().iterator().next();
    }

    @Override
    public int size() {
        return more != null ? more.size() : key == null ? 0 : 1;
    }

    @Override
    public boolean isEmpty() {
        return more == null && key == null;
    }

    @Override
    public boolean containsKey(Object k) {
        return more != null ? more.containsKey(k) : key != null && key.equals(k);
    }

    @Override
    public ObjectState get(Object k) {
        return more != null ? more.get(k) : key != null && key.equals(k) ? state : null;
    }

    @Override
    public ObjectState put(Key k, ObjectState v) {
        Objects.requireNonNull(k, "key");
        if (more != null) {
            return more.put(k, v);
        }
        if (key == null || key.equals(k)) {
            ObjectState old = state;
            key = k;
            state = v;
            return old;
        }
        more = new LinkedHashMap<>();
        more.put(key, state);
        key = null;
        state = null;
        return more.put(k, v);
    }

    @Override
    public void forEach(BiConsumer<? super Key, ? super ObjectState> action) {
        if (more != null) {
            more.forEach(action);
        } else if (key != null) {
            action.accept(key, state);
        }
    }

    @Override
    public void replaceAll(BiFunction<? super Key, ? super ObjectState, ? extends ObjectState> function) {
        if (more != null) {
            more.replaceAll(function);
        } else if (key != null) {
            state = function.apply(key, state);
        }
    }

    /** Empties the map, for a {@link Txn} used again ({@link Txn#reset}). */
    @Override
    public void clear() {
        key = null;
        state = null;
        more = null;
    }

    @Override
    public ObjectState remove(Object k) {
        throw new UnsupportedOperationException("a step's staged states are only added to");
    }

    @Override
    public Set<Map.Entry<Key, ObjectState>> entrySet() {
        if (more != null) {
            return java.util.Collections.unmodifiableMap(more).entrySet();
        }
        return key == null ? Set.of() : Set.of(new SimpleImmutableEntry<>(key, state));
    }
}
