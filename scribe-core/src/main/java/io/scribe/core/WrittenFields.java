package io.scribe.core;

import com.fasterxml.jackson.databind.JavaType;

/**
 * Which synced fields an update made through the enhanced write hooks diffs: the fields the hooks reported written
 * (a field write, an assignment of a collection field, a change in place through a recording collection), and every
 * field whose contents can change without any of those: a nested object, an array, a {@code Date}, a JSON node, a
 * collection whose elements are mutable. A field holding an immutable value (a primitive, box, String, enum,
 * final {@code java.time} value, UUID, URI), or a List, Set, Map or Collection field (wrapped, so
 * its changes in place are reported) whose elements, keys and values are such values, only changes through a
 * reported write, so it is diffed only when reported. An explicit {@link Scriber#save} diffs every field.
 *
 * <p>A selection is a bit mask over {@link SyncedClass#fieldArray}; {@link #ALL} for every field (also for a class of
 * more than 64 fields). Stateless.
 */
final class WrittenFields {

    /** Every field. */
    static final long ALL = -1L;

    private WrittenFields() {}

    /** The fields of {@code fields} diffed on every update, whichever fields were reported written. */
    static long alwaysDiffed(SyncedClass.FieldModel[] fields) {
        if (fields.length > 64) {
            return ALL;
        }
        long mask = 0;
        for (int i = 0; i < fields.length; i++) {
            SyncedClass.FieldModel f = fields[i];
            boolean reported = f.wrapped() ? elementsImmutable(f.javaType()) : immutable(f.field().getType());
            if (!reported) {
                mask |= 1L << i;
            }
        }
        return mask;
    }

    /**
     * The fields of {@code c} an update diffs when the hooks reported {@code names[0..count)} written (null: which
     * ones is unknown, every field).
     */
    static long of(SyncedClass<?> c, String[] names, int count) {
        long mask = c.alwaysDiffed;
        if (names == null || mask == ALL) {
            return ALL;
        }
        SyncedClass.FieldModel[] fields = c.fieldArray;
        for (int n = 0; n < count; n++) {
            String name = names[n];
            int i = 0;
            while (i < fields.length && !fields[i].name().equals(name)) {
                i++;
            }
            if (i == fields.length) {
                // Not a synced field of this class as registered: diff everything rather than miss a change.
                return ALL;
            }
            mask |= 1L << i;
        }
        return mask;
    }

    /** Whether the field at {@code index} is in {@code mask}. */
    static boolean selected(long mask, int index) {
        return mask == ALL || index >= 64 || (mask & (1L << index)) != 0;
    }

    private static boolean elementsImmutable(JavaType type) {
        if (type.isMapLikeType()) {
            return declaredImmutable(type.getKeyType()) && declaredImmutable(type.getContentType());
        }
        return declaredImmutable(type.getContentType());
    }

    private static boolean declaredImmutable(JavaType type) {
        return type != null && immutable(type.getRawClass());
    }

    /** Whether values of {@code type} (and of every subclass) never change once made. */
    static boolean immutable(Class<?> type) {
        if (io.scribe.core.internal.ScalarJson.scalarType(type) || type.isEnum() || type == java.util.UUID.class
                || type == java.net.URI.class) {
            return true;
        }
        // java.time's value classes are final and immutable; its interfaces and abstract classes are not assumed.
        return type.getPackageName().equals("java.time") && java.lang.reflect.Modifier.isFinal(type.getModifiers());
    }
}
