package io.scribe.core.internal;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The base of a scribe that changed one field (a local update of one field, the usual one): one name and one clock,
 * the clock kept unboxed, instead of a map of one entry and a {@code Long}. Immutable; equal to any map of the same
 * one entry.
 */
public final class OneBase implements Map<String, Long> {

    private final String name;
    private final long clock;

    private OneBase(String name, long clock) {
        this.name = name;
        this.clock = clock;
    }

    /** The base of one field {@code name} whose replaced value had the clock {@code clock}. */
    public static Map<String, Long> of(String name, long clock) {
        return new OneBase(Objects.requireNonNull(name, "name"), clock);
    }

    /** The one field's name. */
    String name() {
        return name;
    }

    /** The one field's base clock. */
    long clock() {
        return clock;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public boolean isEmpty() {
        return false;
    }

    @Override
    public boolean containsKey(Object key) {
        return name.equals(key);
    }

    @Override
    public boolean containsValue(Object value) {
        return value instanceof Long l && l == clock;
    }

    @Override
    public Long get(Object key) {
        return name.equals(key) ? clock : null;
    }

    @Override
    public Long getOrDefault(Object key, Long defaultValue) {
        return name.equals(key) ? clock : defaultValue;
    }

    @Override
    public Long put(String key, Long value) {
        throw new UnsupportedOperationException("a scribe's base is immutable");
    }

    @Override
    public Long remove(Object key) {
        throw new UnsupportedOperationException("a scribe's base is immutable");
    }

    @Override
    public void putAll(Map<? extends String, ? extends Long> m) {
        throw new UnsupportedOperationException("a scribe's base is immutable");
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("a scribe's base is immutable");
    }

    @Override
    public Set<String> keySet() {
        return Set.of(name);
    }

    @Override
    public Collection<Long> values() {
        return List.of(clock);
    }

    @Override
    public Set<Map.Entry<String, Long>> entrySet() {
        return Set.of(Map.entry(name, clock));
    }

    @Override
    public void forEach(BiConsumer<? super String, ? super Long> action) {
        action.accept(name, clock);
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof Map<?, ?> m && m.size() == 1 && Long.valueOf(clock).equals(m.get(name));
    }

    @Override
    public int hashCode() {
        return name.hashCode() ^ Long.hashCode(clock);
    }

    @Override
    public String toString() {
        return "{" + name + "=" + clock + "}";
    }
}
