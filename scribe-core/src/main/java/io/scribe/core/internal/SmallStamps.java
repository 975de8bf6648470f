package io.scribe.core.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.Stamp;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The stamps of a state the engine builds while playing a scribe: names and stamps in two arrays, found by scanning,
 * as {@link SmallMap} keeps fields, instead of a hash map copied once to be changed and again to be kept. Changed
 * with {@link #put} only by the owner it was made for (the step that stages the state), until it is {@link #freeze
 * frozen}, when that step is committed; from then on it is immutable, as a held state's stamps are ({@link
 * io.scribe.core.spi.ObjectState}), and a state keeps it without a copy. The name array may be shared (with the
 * stamps it was copied from, or with the held fields' keys): it is copied before a name is added. A {@link Map} of
 * its own rather than an {@code AbstractMap}, whose cached views would cost a held state more than the stamps.
 */
public final class SmallStamps implements Map<String, Stamp> {

    /** The most stamps copied into a SmallStamps: past it, {@link #copyOf} declines. */
    public static final int MAX = 12;

    private String[] names;
    private Stamp[] stamps;
    private int size;
    /** Whether {@link #names} is shared with other maps or held fields: copied before a name is added. */
    private boolean sharedNames;
    /** Who may change the map, or null once it is frozen. */
    private Object owner;

    private SmallStamps(String[] names, Stamp[] stamps, int size, boolean sharedNames, Object owner) {
        this.names = names;
        this.stamps = stamps;
        this.size = size;
        this.sharedNames = sharedNames;
        this.owner = owner;
    }

    /** A new, empty map that {@code owner} may change. */
    public static SmallStamps empty(int capacity, Object owner) {
        int n = Math.max(capacity, 1);
        return new SmallStamps(new String[n], new Stamp[n], 0, false, Objects.requireNonNull(owner, "owner"));
    }

    /**
     * A copy of {@code from} that {@code owner} may change, or null when {@code from} holds more than {@link #MAX}
     * stamps. {@code fields} are the fields of the state {@code from} belongs to (a {@link UniformStamps} is a view
     * over them).
     */
    public static SmallStamps copyOf(Map<String, Stamp> from, ObjectNode fields, Object owner) {
        Objects.requireNonNull(owner, "owner");
        int n = from.size();
        if (n > MAX) {
            return null;
        }
        if (from instanceof SmallStamps small) {
            // The names as they are (shared until one is added); the stamps copied, to be changed.
            if (small.owner != null) {
                small.sharedNames = true;
            }
            return new SmallStamps(small.names, Arrays.copyOf(small.stamps, Math.max(small.size, 1)), small.size,
                    true, owner);
        }
        if (from instanceof UniformStamps uniform && uniform.newerField() == null && uniform.over(fields)) {
            String[] keys = HeldNode.sharedKeys(fields);
            Stamp[] copied = new Stamp[Math.max(n, 1)];
            Arrays.fill(copied, 0, n, uniform.stamp());
            if (keys != null && keys.length == n) {
                return new SmallStamps(keys, copied, n, true, owner);
            }
            int indexed = HeldNode.indexed(fields);
            if (indexed == n) {
                String[] own = new String[Math.max(n, 1)];
                for (int i = 0; i < n; i++) {
                    own[i] = HeldNode.keyAt(fields, i);
                }
                return new SmallStamps(own, copied, n, false, owner);
            }
        }
        String[] own = new String[Math.max(n, 1)];
        Stamp[] copied = new Stamp[own.length];
        int i = 0;
        for (Map.Entry<String, Stamp> e : from.entrySet()) {
            own[i] = Objects.requireNonNull(e.getKey(), "stamp name");
            copied[i] = Objects.requireNonNull(e.getValue(), "stamp");
            i++;
        }
        return new SmallStamps(own, copied, n, false, owner);
    }

    /** Whether {@code owner} may change this map (made for it and not frozen yet). */
    public boolean ownedBy(Object owner) {
        return owner != null && this.owner == owner;
    }

    /**
     * Makes the map immutable, as a held state's stamps are; when {@code fields} (the fields of its state) share a
     * key array with the same names in the same order, the map shares it too.
     */
    public void freeze(ObjectNode fields) {
        owner = null;
        String[] keys = HeldNode.sharedKeys(fields);
        if (keys != null && keys != names && keys.length == size
                && Arrays.equals(names, 0, size, keys, 0, size)) {
            names = keys;
            sharedNames = true;
            if (stamps.length != size) {
                stamps = Arrays.copyOf(stamps, size);
            }
        }
    }

    private int indexOf(Object key) {
        for (int i = 0; i < size; i++) {
            String k = names[i];
            if (k == key || k.equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public boolean containsValue(Object value) {
        for (int i = 0; i < size; i++) {
            if (stamps[i].equals(value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Stamp get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : stamps[i];
    }

    @Override
    public Stamp getOrDefault(Object key, Stamp defaultValue) {
        int i = indexOf(key);
        return i < 0 ? defaultValue : stamps[i];
    }

    /** Sets the stamp of {@code key}; only while the map is not frozen. */
    @Override
    public Stamp put(String key, Stamp value) {
        if (owner == null) {
            throw new UnsupportedOperationException("the stamps of a held state are immutable");
        }
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        int i = indexOf(key);
        if (i >= 0) {
            Stamp old = stamps[i];
            stamps[i] = value;
            return old;
        }
        if (sharedNames || size == names.length) {
            int capacity = size == names.length ? Math.max(4, size * 2) : names.length;
            names = Arrays.copyOf(names, capacity);
            sharedNames = false;
            if (stamps.length < capacity) {
                stamps = Arrays.copyOf(stamps, capacity);
            }
        }
        if (size == stamps.length) {
            stamps = Arrays.copyOf(stamps, names.length);
        }
        names[size] = key;
        stamps[size] = value;
        size++;
        return null;
    }

    @Override
    public Stamp remove(Object key) {
        throw new UnsupportedOperationException("the stamps of a played state are only added to");
    }

    @Override
    public void putAll(Map<? extends String, ? extends Stamp> m) {
        m.forEach(this::put);
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("the stamps of a played state are only added to");
    }

    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public boolean contains(Object o) {
                return containsKey(o);
            }

            @Override
            public Iterator<String> iterator() {
                return new Walk<>() {
                    @Override
                    String at(int i) {
                        return names[i];
                    }
                };
            }
        };
    }

    @Override
    public java.util.Collection<Stamp> values() {
        return new java.util.AbstractCollection<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Stamp> iterator() {
                return new Walk<>() {
                    @Override
                    Stamp at(int i) {
                        return stamps[i];
                    }
                };
            }
        };
    }

    @Override
    public Set<Map.Entry<String, Stamp>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public Iterator<Map.Entry<String, Stamp>> iterator() {
                return new Walk<>() {
                    @Override
                    Map.Entry<String, Stamp> at(int i) {
                        return new AbstractMap.SimpleImmutableEntry<>(names[i], stamps[i]);
                    }
                };
            }
        };
    }

    @Override
    public void forEach(java.util.function.BiConsumer<? super String, ? super Stamp> action) {
        for (int i = 0; i < size; i++) {
            action.accept(names[i], stamps[i]);
        }
    }

    /** Reads the entries by index, in order; removes nothing. */
    private abstract class Walk<T> implements Iterator<T> {
        private int next;

        abstract T at(int i);

        @Override
        public boolean hasNext() {
            return next < size;
        }

        @Override
        public T next() {
            if (next >= size) {
                throw new NoSuchElementException();
            }
            return at(next++);
        }
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (int i = 0; i < size; i++) {
            h += names[i].hashCode() ^ stamps[i].hashCode();
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof Map<?, ?> other) || other.size() != size) {
            return false;
        }
        for (int i = 0; i < size; i++) {
            if (!stamps[i].equals(other.get(names[i]))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < size; i++) {
            b.append(i > 0 ? ", " : "").append(names[i]).append('=').append(stamps[i]);
        }
        return b.append('}').toString();
    }
}
