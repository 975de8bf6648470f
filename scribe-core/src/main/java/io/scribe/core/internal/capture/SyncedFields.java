package io.scribe.core.internal.capture;

import io.scribe.annotations.NotSynced;
import io.scribe.annotations.Synced;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.field.FieldList;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;

/**
 * Decides, from class files only (nothing is loaded), whether a field reference names a synced field: an instance
 * field, neither {@code transient}, {@code @NotSynced}, synthetic nor final, declared by a class annotated
 * {@code @Synced}. Thread-safe.
 */
final class SyncedFields {

    /** What a write to a field needs. */
    enum Kind {
        /** Not a synced field: left alone. */
        NONE,
        /** A synced field: the write is recorded. */
        PLAIN,
        /** A synced List, Set, Map or Collection field: the value is also wrapped to record in-place changes. */
        COLLECTION
    }

    static final String SYNCED = Synced.class.getName();
    private static final Set<String> WRAPPED = Set.of(
            "java.util.List", "java.util.Set", "java.util.Map", "java.util.Collection");
    private static final String[] IGNORED = {
        "java/", "javax/", "jdk/", "sun/", "com/sun/", "net/bytebuddy/", "io/scribe/core/", "io/scribe/annotations/",
        "com/fasterxml/", "org/slf4j/", "org/junit/", "org/opentest4j/", "org/apiguardian/", "org/assertj/",
        "org/apache/maven/", "org/openjdk/jmh/", "kotlin/", "scala/", "io/netty/",
    };

    private final TypePool pool;
    private final Predicate<String> includes;
    private final ConcurrentMap<String, Kind> cache = new ConcurrentHashMap<>();

    /** @param includes which synced classes (by binary name) are enhanced */
    SyncedFields(TypePool pool, Predicate<String> includes) {
        this.pool = pool;
        this.includes = includes;
    }

    /** Whether classes under this internal name are never synced nor enhanced (the JDK, Scribe, common libraries). */
    static boolean ignored(String internalName) {
        for (String prefix : IGNORED) {
            if (internalName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    static boolean isSynced(TypeDefinition type) {
        return type.asErasure().getDeclaredAnnotations().isAnnotationPresent(Synced.class);
    }

    /** Whether a superclass of {@code type} is annotated {@code @Synced} (and so carries the recorder field). */
    static boolean hasSyncedSuperclass(TypeDescription type) {
        try {
            for (TypeDescription.Generic s = type.getSuperClass(); s != null; s = s.asErasure().getSuperClass()) {
                if (isSynced(s)) {
                    return true;
                }
            }
        } catch (RuntimeException unresolvable) {
            return false;
        }
        return false;
    }

    /** The kind of the field {@code name} as referenced through {@code owner} (an internal name). */
    Kind kind(String owner, String name) {
        if (name.startsWith("$") || ignored(owner) || owner.startsWith("[")) {
            return Kind.NONE;
        }
        return cache.computeIfAbsent(owner + '.' + name, k -> resolve(owner, name));
    }

    private Kind resolve(String owner, String name) {
        try {
            TypePool.Resolution resolution = pool.describe(owner.replace('/', '.'));
            if (!resolution.isResolved()) {
                return Kind.NONE;
            }
            TypeDefinition type = resolution.resolve();
            while (type != null) {
                FieldList<?> found = type.getDeclaredFields().filter(ElementMatchers.named(name));
                if (!found.isEmpty()) {
                    return includes.test(type.getTypeName()) ? kindOf(found.getOnly(), type) : Kind.NONE;
                }
                TypeDescription.Generic superClass = type.getSuperClass();
                type = superClass == null ? null : superClass.asErasure();
            }
            return Kind.NONE;
        } catch (RuntimeException unresolvable) {
            // A class missing from the class path cannot be synced; its writes are left alone.
            return Kind.NONE;
        }
    }

    private static Kind kindOf(FieldDescription field, TypeDefinition declaring) {
        if (field.isStatic() || field.isTransient() || field.isSynthetic() || field.isFinal()
                || field.getDeclaredAnnotations().isAnnotationPresent(NotSynced.class) || !isSynced(declaring)) {
            return Kind.NONE;
        }
        return WRAPPED.contains(field.getType().asErasure().getName()) ? Kind.COLLECTION : Kind.PLAIN;
    }
}
