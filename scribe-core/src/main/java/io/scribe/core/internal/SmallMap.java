package io.scribe.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The children of an {@link ObjectNode} kept for long (the fields of every object a peer holds): keys and values in
 * two arrays, in insertion order, found by scanning, as a {@code LinkedHashMap} keeps them but in about a fifth of
 * the memory for a few fields (no hash table, no entry objects). Past {@link #MAX} entries it moves them
 * into a {@code LinkedHashMap}, so large objects are looked up by hash. A {@link Map} of its own rather than an
 * {@code AbstractMap}, whose cached views would cost every held map more. Not thread-safe, like {@code LinkedHashMap}.
 */
public final class SmallMap implements Map<String, JsonNode> {

    /** The most entries kept in arrays. */
    static final int MAX = 12;

    /** How many distinct key arrays are shared at most (see {@link #shareKeys()}); past it, new ones are not. */
    private static final int MAX_SHARED_KEY_SETS = 4096;
    private static final java.util.concurrent.ConcurrentHashMap<java.util.List<String>, String[]> KEY_SETS =
            new java.util.concurrent.ConcurrentHashMap<>();

    // The keys while the map is small (a String[], possibly shared: see shareKeys), then the LinkedHashMap that holds
    // every entry once it is large: one field for both keeps a held map at 24 bytes.
    Object keys;
    JsonNode[] values;
    // Narrow, so that the flag fits the object's size: size is at most MAX; modifications only needs to change.
    byte size;
    private short modifications;
    /** Whether {@link #keys} is shared with other maps of the same keys: copied before it is changed. */
    boolean sharedKeys;

    SmallMap(int capacity) {
        String[] names = new String[Math.max(capacity, 1)];
        keys = names;
        values = new JsonNode[names.length];
    }

    /** A map of {@code size} entries over the shared key array {@code shared}, its values to be filled in. */
    SmallMap(String[] shared, int size) {
        keys = shared;
        sharedKeys = true;
        values = new JsonNode[Math.max(size, 1)];
        this.size = (byte) size;
    }

    /** The key array, while the map is small. */
    String[] names() {
        return (String[]) keys;
    }

    /** The map that holds every entry once this one is large, or null while it is small. */
    @SuppressWarnings("unchecked")
    Map<String, JsonNode> large() {
        return keys instanceof Map<?, ?> map ? (Map<String, JsonNode>) map : null;
    }

    /**
     * Shares this map's key array with every held map of the same keys in the same order (the objects of one class:
     * one array for all of them instead of one each), and trims the value array to the entries. Nothing changes for
     * the map's users: a later change of its keys copies the array first.
     */
    void shareKeys() {
        if (sharedKeys || large() != null || size == 0) {
            return;
        }
        String[] own = size == names().length ? names() : Arrays.copyOf(names(), size);
        if (values.length != size) {
            values = Arrays.copyOf(values, size);
        }
        java.util.List<String> list = Arrays.asList(own);
        String[] known = KEY_SETS.get(list);
        if (known == null && KEY_SETS.size() < MAX_SHARED_KEY_SETS) {
            // A copy nobody writes: the map that offered it goes on with its own array until it is shared.
            String[] canonical = own.clone();
            known = KEY_SETS.putIfAbsent(Arrays.asList(canonical), canonical);
            if (known == null) {
                known = canonical;
            }
        }
        if (known != null) {
            keys = known;
            sharedKeys = true;
        } else {
            keys = own;
        }
    }

    /** Makes the key array this map's own before its keys change. */
    private void ownKeys() {
        if (sharedKeys) {
            keys = names().clone();
            sharedKeys = false;
        }
    }

    private int indexOf(Object key) {
        for (int i = 0; i < size; i++) {
            String k = names()[i];
            if (k == key || k.equals(key)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return large() != null ? large().size() : size;
    }

    @Override
    public boolean isEmpty() {
        return size() == 0;
    }

    @Override
    public boolean containsKey(Object key) {
        return large() != null ? large().containsKey(key) : indexOf(key) >= 0;
    }

    @Override
    public boolean containsValue(Object value) {
        return values().contains(value);
    }

    @Override
    public void putAll(Map<? extends String, ? extends JsonNode> m) {
        m.forEach(this::put);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof Map<?, ?> other && entrySet().equals(other.entrySet()));
    }

    @Override
    public int hashCode() {
        return entrySet().hashCode();
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (Iterator<Map.Entry<String, JsonNode>> it = entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            b.append(e.getKey()).append('=').append(e.getValue()).append(it.hasNext() ? ", " : "");
        }
        return b.append('}').toString();
    }

    @Override
    public JsonNode get(Object key) {
        if (large() != null) {
            return large().get(key);
        }
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public JsonNode put(String key, JsonNode value) {
        Objects.requireNonNull(key, "key");
        if (large() != null) {
            return large().put(key, value);
        }
        int i = indexOf(key);
        if (i >= 0) {
            JsonNode old = values[i];
            values[i] = value;
            return old;
        }
        modifications++;
        if (size == MAX) {
            Map<String, JsonNode> large = new LinkedHashMap<>(MAX * 4);
            for (int j = 0; j < size; j++) {
                large.put(names()[j], values[j]);
            }
            keys = large;
            values = null;
            size = 0;
            sharedKeys = false;
            return large.put(key, value);
        }
        ownKeys();
        if (size == names().length) {
            int grown = Math.min(MAX, names().length * 2);
            keys = Arrays.copyOf(names(), grown);
            values = Arrays.copyOf(values, grown);
        }
        names()[size] = key;
        values[size] = value;
        size++;
        return null;
    }

    @Override
    public JsonNode remove(Object key) {
        if (large() != null) {
            return large().remove(key);
        }
        int i = indexOf(key);
        if (i < 0) {
            return null;
        }
        JsonNode old = values[i];
        removeAt(i);
        return old;
    }

    private void removeAt(int i) {
        modifications++;
        ownKeys();
        System.arraycopy(keys, i + 1, keys, i, size - i - 1);
        System.arraycopy(values, i + 1, values, i, size - i - 1);
        size--;
        names()[size] = null;
        values[size] = null;
    }

    @Override
    public void clear() {
        if (large() != null) {
            large().clear();
            return;
        }
        modifications++;
        ownKeys();
        Arrays.fill(names(), 0, size, null);
        Arrays.fill(values, 0, size, null);
        size = 0;
    }

    @Override
    public Set<Map.Entry<String, JsonNode>> entrySet() {
        if (large() != null) {
            return large().entrySet();
        }
        return new AbstractSet<>() {
            @Override
            public int size() {
                return SmallMap.this.size();
            }

            @Override
            public Iterator<Map.Entry<String, JsonNode>> iterator() {
                return large() != null ? large().entrySet().iterator() : new Entries();
            }
        };
    }

    /**
     * The keys in order, read through to the arrays. A new view each time, unlike {@code AbstractMap}'s cached one:
     * a held map lives as long as its object, and a cached view would cost it more than its keys.
     */
    @Override
    public Set<String> keySet() {
        if (large() != null) {
            return large().keySet();
        }
        return new AbstractSet<>() {
            @Override
            public int size() {
                return SmallMap.this.size();
            }

            @Override
            public boolean contains(Object key) {
                return containsKey(key);
            }

            @Override
            public Iterator<String> iterator() {
                return new Mapped<>(entrySet().iterator(), Map.Entry::getKey);
            }
        };
    }

    /** The values in order, read through to the arrays; a new view each time, as {@link #keySet()}. */
    @Override
    public java.util.Collection<JsonNode> values() {
        if (large() != null) {
            return large().values();
        }
        return new java.util.AbstractCollection<>() {
            @Override
            public int size() {
                return SmallMap.this.size();
            }

            @Override
            public Iterator<JsonNode> iterator() {
                return new Mapped<>(entrySet().iterator(), Map.Entry::getValue);
            }
        };
    }

    /** The keys or the values of the entries, removed through the entries. */
    private record Mapped<T>(Iterator<Map.Entry<String, JsonNode>> entries,
            java.util.function.Function<Map.Entry<String, JsonNode>, T> part) implements Iterator<T> {
        @Override
        public boolean hasNext() {
            return entries.hasNext();
        }

        @Override
        public T next() {
            return part.apply(entries.next());
        }

        @Override
        public void remove() {
            entries.remove();
        }
    }

    /** The entries in order; each reads and writes through to the arrays. */
    private final class Entries implements Iterator<Map.Entry<String, JsonNode>> {
        private int next;
        private int last = -1;
        private short expected = modifications;

        @Override
        public boolean hasNext() {
            // A change made meanwhile (other than through this iterator) makes next() throw, as LinkedHashMap's does.
            return next < size || large() != null || expected != modifications;
        }

        @Override
        public Map.Entry<String, JsonNode> next() {
            if (expected != modifications || large() != null) {
                throw new ConcurrentModificationException();
            }
            if (next >= size) {
                throw new NoSuchElementException();
            }
            last = next++;
            String key = names()[last];
            return new AbstractMap.SimpleEntry<>(key, values[last]) {
                @Override
                public JsonNode setValue(JsonNode value) {
                    JsonNode old = SmallMap.this.put(key, value);
                    super.setValue(value);
                    return old;
                }
            };
        }

        @Override
        public void remove() {
            if (last < 0) {
                throw new IllegalStateException();
            }
            if (expected != modifications || large() != null) {
                throw new ConcurrentModificationException();
            }
            removeAt(last);
            next = last;
            last = -1;
            expected = modifications;
        }
    }
}
