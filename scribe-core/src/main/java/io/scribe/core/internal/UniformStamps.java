package io.scribe.core.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.Stamp;
import java.util.AbstractSet;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The stamps of a held state whose fields were all written by one write (an object created and not changed since, the
 * usual case): the same stamp for every field of the state's {@code fields}, as a map view of those fields' names,
 * instead of a map of its own (a table and an entry per field). Immutable, as long as {@code fields} is, which a held
 * state's fields are by convention ({@link io.scribe.core.spi.ObjectState}). A {@link Map} of its own rather than an
 * {@code AbstractMap}, whose cached views would cost a held state more than the stamps. A state whose one field was
 * written since by another write keeps that field's stamp beside the others' ({@link #withNewer}).
 */
public class UniformStamps implements Map<String, Stamp> {

    private final ObjectNode fields;
    private final Stamp stamp;

    private UniformStamps(ObjectNode fields, Stamp stamp) {
        this.fields = fields;
        this.stamp = stamp;
    }

    /**
     * The stamps of a held state whose fields were all written by one write but one, written since by another (an
     * object created, then one of its fields set, however many times): one field's stamp beside the stamp of the
     * others, instead of an array of stamps that the next update of that field would copy again.
     */
    private static final class OneNewer extends UniformStamps {
        private final String name;
        private final Stamp newer;

        OneNewer(ObjectNode fields, Stamp stamp, String name, Stamp newer) {
            super(fields, stamp);
            this.name = name;
            this.newer = newer;
        }

        @Override
        Stamp stampOf(String field) {
            return name.equals(field) ? newer : super.stamp;
        }

        @Override
        public String newerField() {
            return name;
        }

        @Override
        public boolean containsValue(Object value) {
            return newer.equals(value) || (super.fields.size() > 1 && super.stamp.equals(value));
        }

        @Override
        public Collection<Stamp> values() {
            java.util.List<Stamp> values = new java.util.ArrayList<>(super.fields.size());
            for (Iterator<String> it = super.fields.fieldNames(); it.hasNext(); ) {
                values.add(stampOf(it.next()));
            }
            return values;
        }
    }

    /**
     * The stamps of {@code fields} when {@code name}, one of them, was written by {@code newer} and every other by
     * {@code stamp}: the map a recorded update of that one field leaves when the state it updates had a {@link
     * #stamp} for every field but {@code name}'s ({@link #newerField}).
     */
    public static UniformStamps withNewer(ObjectNode fields, Stamp stamp, String name, Stamp newer) {
        if (!fields.has(name)) {
            throw new IllegalArgumentException("no field " + name + " to stamp");
        }
        return new OneNewer(Objects.requireNonNull(fields, "fields"), Objects.requireNonNull(stamp, "stamp"), name,
                Objects.requireNonNull(newer, "newer"));
    }

    /** The stamp of the field {@code field}, one of the state's {@code fields}. */
    Stamp stampOf(String field) {
        return stamp;
    }

    /** The one field whose stamp is not {@link #stamp()}, or null when every field has that stamp. */
    public String newerField() {
        return null;
    }

    /**
     * {@code stamps} as a UniformStamps over {@code fields} when it stamps exactly the fields of {@code fields}, all
     * with equal stamps; otherwise {@code stamps} itself.
     */
    public static Map<String, Stamp> of(Map<String, Stamp> stamps, ObjectNode fields) {
        if (stamps instanceof UniformStamps || stamps.isEmpty() || stamps.size() != fields.size()) {
            return stamps;
        }
        int indexed = HeldNode.indexed(fields);
        if (indexed >= 0) {
            // Fields held in a SmallMap: each field's stamp looked up by its name, with no iterator nor entries.
            Stamp first = null;
            for (int i = 0; i < indexed; i++) {
                Stamp stamp = stamps.get(HeldNode.keyAt(fields, i));
                if (stamp == null || (first != null && !first.equals(stamp))) {
                    return stamps;
                }
                first = stamp;
            }
            return new UniformStamps(fields, first);
        }
        Stamp first = null;
        for (Map.Entry<String, Stamp> e : stamps.entrySet()) {
            if (first == null) {
                first = e.getValue();
            } else if (!first.equals(e.getValue())) {
                return stamps;
            }
            if (!fields.has(e.getKey())) {
                return stamps;
            }
        }
        return new UniformStamps(fields, first);
    }

    /** {@code stamp} as the stamp of every field of {@code fields}. */
    public static UniformStamps all(ObjectNode fields, Stamp stamp) {
        return new UniformStamps(Objects.requireNonNull(fields, "fields"), Objects.requireNonNull(stamp, "stamp"));
    }

    /** Whether this is the view over {@code node} itself. */
    public boolean over(ObjectNode node) {
        return fields == node;
    }

    /** The stamp of every field (but {@link #newerField}, when there is one). */
    public Stamp stamp() {
        return stamp;
    }

    @Override
    public int size() {
        return fields.size();
    }

    @Override
    public boolean isEmpty() {
        return fields.isEmpty();
    }

    @Override
    public boolean containsValue(Object value) {
        return !fields.isEmpty() && stamp.equals(value);
    }

    @Override
    public boolean containsKey(Object key) {
        return key instanceof String name && fields.has(name);
    }

    @Override
    public Stamp get(Object key) {
        return containsKey(key) ? stampOf((String) key) : null;
    }

    @Override
    public Stamp getOrDefault(Object key, Stamp defaultValue) {
        return containsKey(key) ? stampOf((String) key) : defaultValue;
    }

    @Override
    public Stamp put(String key, Stamp value) {
        throw new UnsupportedOperationException("the stamps of a held state are immutable");
    }

    @Override
    public Stamp remove(Object key) {
        throw new UnsupportedOperationException("the stamps of a held state are immutable");
    }

    @Override
    public void putAll(Map<? extends String, ? extends Stamp> m) {
        throw new UnsupportedOperationException("the stamps of a held state are immutable");
    }

    @Override
    public void clear() {
        throw new UnsupportedOperationException("the stamps of a held state are immutable");
    }

    @Override
    public Set<String> keySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return fields.size();
            }

            @Override
            public boolean contains(Object o) {
                return containsKey(o);
            }

            @Override
            public Iterator<String> iterator() {
                return fields.fieldNames();
            }
        };
    }

    @Override
    public Collection<Stamp> values() {
        return Collections.nCopies(fields.size(), stamp);
    }

    @Override
    public Set<Map.Entry<String, Stamp>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return fields.size();
            }

            @Override
            public Iterator<Map.Entry<String, Stamp>> iterator() {
                Iterator<String> names = fields.fieldNames();
                return new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return names.hasNext();
                    }

                    @Override
                    public Map.Entry<String, Stamp> next() {
                        String name = names.next();
                        return Map.entry(name, stampOf(name));
                    }
                };
            }
        };
    }

    @Override
    public int hashCode() {
        int h = 0;
        for (Iterator<String> it = fields.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            h += name.hashCode() ^ stampOf(name).hashCode();
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof Map<?, ?> other) || other.size() != size()) {
            return false;
        }
        for (Iterator<String> it = fields.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!Objects.equals(other.get(name), stampOf(name))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (Iterator<String> it = fields.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            b.append(name).append('=').append(stampOf(name));
            if (it.hasNext()) {
                b.append(", ");
            }
        }
        return b.append('}').toString();
    }
}
