package io.scribe.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The classes registered with one Scriber, by wire name and by Java type, and the resolver of each. Immutable once
 * built; read by every stage without the lock.
 */
final class Classes {

    private final String guid;
    private final Map<String, SyncedClass<?>> byKlass;
    private final Map<Class<?>, SyncedClass<?>> byType;
    private final Map<String, Resolver> resolvers;
    /** Of each type {@link #assignableTo} was asked about, the registered classes it answered. */
    private final Map<Class<?>, List<SyncedClass<?>>> assignable = new ConcurrentHashMap<>();

    /**
     * Registers {@code classes} for the peer {@code guid}, their values converted by {@code mapper}.
     *
     * @throws IllegalArgumentException if two classes use one wire name
     */
    Classes(List<SyncedClass<?>> classes, ObjectMapper mapper, String guid) {
        this.guid = guid;
        Map<String, SyncedClass<?>> k = new LinkedHashMap<>();
        Map<Class<?>, SyncedClass<?>> t = new HashMap<>();
        Map<String, Resolver> r = new HashMap<>();
        for (SyncedClass<?> c : classes) {
            c.mapper = mapper;
            SyncedClass<?> previous = k.put(c.klass, c);
            if (previous != null) {
                throw new IllegalArgumentException("two classes use the wire name " + c.klass + ": "
                        + previous.type.getName() + " and " + c.type.getName());
            }
            t.put(c.type, c);
            r.put(c.klass, c.policy.resolver().on(guid));
        }
        this.byKlass = k;
        this.byType = t;
        this.resolvers = r;
    }

    /**
     * The class with wire name {@code klass}, or null when none is registered. The last one found is kept with the
     * string it was asked by: the scribes of a page read in a run share one string per class (see
     * {@code StoredScribes#outlines}, {@code SyncPage}), so most asks are one comparison of references.
     */
    SyncedClass<?> byKlass(String klass) {
        Found found = last;
        if (found != null && found.klass == klass) {
            return found.c;
        }
        SyncedClass<?> c = byKlass.get(klass);
        if (c != null) {
            last = new Found(klass, c);
        }
        return c;
    }

    /** One answer of {@link #byKlass}, published whole to the threads that ask (the map never changes). */
    private record Found(String klass, SyncedClass<?> c) {}

    private volatile Found last;

    /** The class registered for exactly {@code type}, or null. */
    SyncedClass<?> byType(Class<?> type) {
        return byType.get(type);
    }

    /** The resolver of the class with wire name {@code klass}, or null. */
    Resolver resolver(String klass) {
        return resolvers.get(klass);
    }

    /**
     * The class of {@code object}.
     *
     * @throws IllegalArgumentException if it is not registered
     */
    SyncedClass<?> of(Object object) {
        Objects.requireNonNull(object, "object");
        return forType(object.getClass());
    }

    /**
     * The registered classes whose objects are instances of {@code type}: {@code type} itself first when it is
     * registered, then its registered subclasses in the order they were registered.
     *
     * @throws IllegalArgumentException if there is none
     */
    List<SyncedClass<?>> assignableTo(Class<?> type) {
        List<SyncedClass<?>> found = assignable.get(type);
        if (found != null) {
            return found;
        }
        List<SyncedClass<?>> all = new ArrayList<>();
        SyncedClass<?> exact = byType.get(type);
        if (exact != null) {
            all.add(exact);
        }
        for (SyncedClass<?> c : byKlass.values()) {
            if (c != exact && type.isAssignableFrom(c.type)) {
                all.add(c);
            }
        }
        if (all.isEmpty()) {
            throw new IllegalArgumentException("class not registered with scriber " + guid + ", nor any subclass: "
                    + type.getName());
        }
        found = List.copyOf(all);
        assignable.put(type, found);
        return found;
    }

    /**
     * The class registered for {@code type}.
     *
     * @throws IllegalArgumentException if it is not registered
     */
    SyncedClass<?> forType(Class<?> type) {
        SyncedClass<?> c = byType.get(type);
        if (c == null) {
            throw new IllegalArgumentException("class not registered with scriber " + guid + ": " + type.getName());
        }
        return c;
    }
}
