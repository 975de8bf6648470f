package io.scribe.core.internal.capture;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import java.util.Set;

/**
 * Recording wrappers for the List, Set, Map and Collection fields of bound objects: every change in place, through
 * the collection, its iterators, sub-lists, views and map entries, tells {@link Hooks#changed(Object, String)} about
 * the owner and the field. Reads go straight to the wrapped collection. As thread-safe as the wrapped collection.
 */
public final class Recording {

    private Recording() {}

    /** Whether {@code value} is a recording wrapper of the field {@code field} of {@code owner}. */
    public static boolean wraps(Object value, Object owner, String field) {
        return value instanceof Owned o && o.owner().object == owner && o.owner().field.equals(field);
    }

    /**
     * Wraps {@code value}, the value of the field {@code field} of {@code owner}, so that changes in place report that
     * field of {@code owner} ({@link Hooks#changed(Object, String)}), choosing the wrapper by {@code declared}, the
     * field's type (List, Set, Map or Collection). Null stays null; a wrapper of that very field is returned as it is
     * (a wrapper of another field, or of another object, is wrapped again, so both are reported).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Object wrap(Object owner, String field, Class<?> declared, Object value) {
        if (value == null || wraps(value, owner, field)) {
            return value;
        }
        Site site = new Site(owner, field);
        if (declared == List.class) {
            return new RList<>(site, (List) value);
        }
        if (declared == Set.class) {
            return new RSet<>(site, (Set) value);
        }
        if (declared == Map.class) {
            return new RMap<>(site, (Map) value);
        }
        if (declared == Collection.class) {
            return new RCollection<>(site, (Collection) value);
        }
        return value;
    }

    /** The field a wrapper reports changes of: {@code field} of {@code object}. */
    record Site(Object object, String field) {
        void changed() {
            Hooks.changed(object, field);
        }
    }

    /** Whether fields of this declared type are wrapped. */
    public static boolean wrappable(Class<?> declared) {
        return declared == List.class || declared == Set.class || declared == Map.class
                || declared == Collection.class;
    }

    interface Owned {
        Site owner();
    }

    static class RCollection<E> implements Collection<E>, Owned {
        final Site owner;
        final Collection<E> delegate;

        RCollection(Site owner, Collection<E> delegate) {
            this.owner = owner;
            this.delegate = delegate;
        }

        @Override
        public Site owner() {
            return owner;
        }

        final void changed() {
            owner.changed();
        }

        final <T> T changed(T result) {
            owner.changed();
            return result;
        }

        final boolean changedIf(boolean result) {
            if (result) {
                owner.changed();
            }
            return result;
        }

        @Override public int size() { return delegate.size(); }
        @Override public boolean isEmpty() { return delegate.isEmpty(); }
        @Override public boolean contains(Object o) { return delegate.contains(o); }
        @Override public Iterator<E> iterator() { return new RIterator<>(owner, delegate.iterator()); }
        @Override public Object[] toArray() { return delegate.toArray(); }
        @Override public <T> T[] toArray(T[] a) { return delegate.toArray(a); }
        @Override public boolean add(E e) { return changedIf(delegate.add(e)); }
        @Override public boolean remove(Object o) { return changedIf(delegate.remove(o)); }
        @Override public boolean containsAll(Collection<?> c) { return delegate.containsAll(c); }
        @Override public boolean addAll(Collection<? extends E> c) { return changedIf(delegate.addAll(c)); }
        @Override public boolean removeAll(Collection<?> c) { return changedIf(delegate.removeAll(c)); }
        @Override public boolean retainAll(Collection<?> c) { return changedIf(delegate.retainAll(c)); }
        @Override public void clear() {
            boolean had = !delegate.isEmpty();
            delegate.clear();
            if (had) {
                changed();
            }
        }
        @Override public boolean equals(Object o) { return o == this || delegate.equals(o); }
        @Override public int hashCode() { return delegate.hashCode(); }
        @Override public String toString() { return delegate.toString(); }
    }

    static final class RSet<E> extends RCollection<E> implements Set<E> {
        RSet(Site owner, Set<E> delegate) {
            super(owner, delegate);
        }
    }

    static final class RList<E> extends RCollection<E> implements List<E> {
        private final List<E> list;

        RList(Site owner, List<E> delegate) {
            super(owner, delegate);
            this.list = delegate;
        }

        @Override public boolean addAll(int index, Collection<? extends E> c) { return changedIf(list.addAll(index, c)); }
        @Override public E get(int index) { return list.get(index); }
        @Override public E set(int index, E element) { return changed(list.set(index, element)); }
        @Override public void add(int index, E element) { list.add(index, element); changed(); }
        @Override public E remove(int index) { return changed(list.remove(index)); }
        @Override public int indexOf(Object o) { return list.indexOf(o); }
        @Override public int lastIndexOf(Object o) { return list.lastIndexOf(o); }
        @Override public ListIterator<E> listIterator() { return new RListIterator<>(owner, list.listIterator()); }
        @Override public ListIterator<E> listIterator(int index) { return new RListIterator<>(owner, list.listIterator(index)); }
        @Override public List<E> subList(int from, int to) { return new RList<>(owner, list.subList(from, to)); }
        @Override public void sort(java.util.Comparator<? super E> c) { list.sort(c); changed(); }
        @Override public void replaceAll(java.util.function.UnaryOperator<E> operator) { list.replaceAll(operator); changed(); }
    }

    static class RIterator<E> implements Iterator<E> {
        final Site owner;
        private final Iterator<E> delegate;

        RIterator(Site owner, Iterator<E> delegate) {
            this.owner = owner;
            this.delegate = delegate;
        }

        @Override public boolean hasNext() { return delegate.hasNext(); }
        @Override public E next() { return delegate.next(); }
        @Override public void remove() { delegate.remove(); owner.changed(); }
    }

    static final class RListIterator<E> extends RIterator<E> implements ListIterator<E> {
        private final ListIterator<E> it;

        RListIterator(Site owner, ListIterator<E> delegate) {
            super(owner, delegate);
            this.it = delegate;
        }

        @Override public boolean hasPrevious() { return it.hasPrevious(); }
        @Override public E previous() { return it.previous(); }
        @Override public int nextIndex() { return it.nextIndex(); }
        @Override public int previousIndex() { return it.previousIndex(); }
        @Override public void set(E e) { it.set(e); owner.changed(); }
        @Override public void add(E e) { it.add(e); owner.changed(); }
    }

    static final class RMap<K, V> implements Map<K, V>, Owned {
        private final Site owner;
        private final Map<K, V> delegate;

        RMap(Site owner, Map<K, V> delegate) {
            this.owner = owner;
            this.delegate = delegate;
        }

        @Override public Site owner() { return owner; }
        private <T> T changed(T result) { owner.changed(); return result; }

        @Override public int size() { return delegate.size(); }
        @Override public boolean isEmpty() { return delegate.isEmpty(); }
        @Override public boolean containsKey(Object key) { return delegate.containsKey(key); }
        @Override public boolean containsValue(Object value) { return delegate.containsValue(value); }
        @Override public V get(Object key) { return delegate.get(key); }
        @Override public V put(K key, V value) { return changed(delegate.put(key, value)); }
        @Override public V remove(Object key) {
            boolean had = delegate.containsKey(key);
            V old = delegate.remove(key);
            if (had) {
                owner.changed();
            }
            return old;
        }
        @Override public void putAll(Map<? extends K, ? extends V> m) { delegate.putAll(m); owner.changed(); }
        @Override public void clear() {
            boolean had = !delegate.isEmpty();
            delegate.clear();
            if (had) {
                owner.changed();
            }
        }
        @Override public Set<K> keySet() { return new RSet<>(owner, delegate.keySet()); }
        @Override public Collection<V> values() { return new RCollection<>(owner, delegate.values()); }
        @Override public Set<Entry<K, V>> entrySet() { return new REntrySet<>(owner, delegate.entrySet()); }
        @Override public V putIfAbsent(K key, V value) { return changed(delegate.putIfAbsent(key, value)); }
        @Override public V merge(K key, V value, java.util.function.BiFunction<? super V, ? super V, ? extends V> f) {
            return changed(delegate.merge(key, value, f));
        }
        @Override public V compute(K key, java.util.function.BiFunction<? super K, ? super V, ? extends V> f) {
            return changed(delegate.compute(key, f));
        }
        @Override public V computeIfAbsent(K key, java.util.function.Function<? super K, ? extends V> f) {
            return changed(delegate.computeIfAbsent(key, f));
        }
        @Override public V computeIfPresent(K key, java.util.function.BiFunction<? super K, ? super V, ? extends V> f) {
            return changed(delegate.computeIfPresent(key, f));
        }
        @Override public void replaceAll(java.util.function.BiFunction<? super K, ? super V, ? extends V> f) {
            delegate.replaceAll(f);
            owner.changed();
        }
        @Override public boolean equals(Object o) { return o == this || delegate.equals(o); }
        @Override public int hashCode() { return delegate.hashCode(); }
        @Override public String toString() { return delegate.toString(); }
    }

    /** The entry set of a recording map: its entries' {@code setValue} records too. */
    static final class REntrySet<K, V> extends RCollection<Map.Entry<K, V>> implements Set<Map.Entry<K, V>> {
        REntrySet(Site owner, Set<Map.Entry<K, V>> delegate) {
            super(owner, delegate);
        }

        @Override
        public Iterator<Map.Entry<K, V>> iterator() {
            Iterator<Map.Entry<K, V>> it = delegate.iterator();
            return new RIterator<>(owner, it) {
                @Override
                public Map.Entry<K, V> next() {
                    Map.Entry<K, V> e = super.next();
                    return new Map.Entry<>() {
                        @Override public K getKey() { return e.getKey(); }
                        @Override public V getValue() { return e.getValue(); }
                        @Override public V setValue(V value) { V old = e.setValue(value); owner.changed(); return old; }
                        @Override public boolean equals(Object o) { return e.equals(o); }
                        @Override public int hashCode() { return e.hashCode(); }
                        @Override public String toString() { return e.toString(); }
                    };
                }
            };
        }
    }
}
