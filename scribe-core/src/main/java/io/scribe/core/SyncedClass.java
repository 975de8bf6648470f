package io.scribe.core;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.annotations.NotSynced;
import io.scribe.annotations.Rpc;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.ScalarJson;
import io.scribe.core.internal.capture.Hooks;
import io.scribe.core.internal.capture.Recording;
import io.scribe.core.internal.capture.Tracked;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the engine knows of one registered class: its wire name, synced fields, identity field, constructor, rpc
 * methods and policy. Reads and writes only the synced fields: playing a scribe can never reach a setter, a method or
 * a field the class did not offer for syncing.
 */
final class SyncedClass<T> {

    /** One synced field and its generic type, for Jackson. */
    record FieldModel(String name, Field field, JavaType javaType) {
        /** Whether the field's values are wrapped to record changes in place (List, Set, Map, Collection). */
        boolean wrapped() {
            return Recording.wrappable(field.getType());
        }

        /**
         * Whether the field holds a primitive, a box or a String: an immutable value whose JSON only changes when
         * the field is written, and which the default mapper writes as one value node.
         */
        boolean scalar() {
            return ScalarJson.scalarType(field.getType());
        }
    }

    private static final Logger log = LoggerFactory.getLogger(SyncedClass.class);

    final Class<T> type;
    final String klass;
    final Policy<T> policy;
    final Map<String, FieldModel> fields;
    /** The values of {@link #fields}, in the same order, to go through without an iterator. */
    final FieldModel[] fieldArray;
    /** The fields an update through the write hooks diffs whichever were written ({@link WrittenFields}). */
    final long alwaysDiffed;
    /** For each field of {@link #fieldArray}, its name alone in an array: the keys an update of that field shares. */
    final String[][] aloneKeys;
    final FieldModel idField;
    final Map<String, Method> rpcs;
    /** Converts field values to and from JSON: Scribe's default, or the Scriber's configured copy of it. */
    volatile com.fasterxml.jackson.databind.ObjectMapper mapper = Json.MAPPER;
    private final Constructor<T> constructor;

    /** Why an unenhanced {@code @Synced} class is refused, and the ways out. */
    static String notEnhanced(Class<?> type) {
        return "@Synced class " + type.getName() + " is not enhanced, so its changes would not be recorded. Enhance"
                + " it at build time (io.scribe:scribe-maven-plugin, goal enhance),"
                + " with -javaagent:scribe-core.jar (whose package filter must include " + type.getPackageName()
                + "), or with ScribeInstrumentation.install() before the class is loaded; or declare it"
                + " @Synced(explicit = true) to record it only through Scriber.create, save and destroy";
    }

    SyncedClass(Class<T> type, Policy<T> policy) {
        this.type = type;
        this.policy = policy;
        Synced synced = type.getAnnotation(Synced.class);
        if (synced != null && !synced.explicit() && !Tracked.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(notEnhanced(type));
        }
        this.klass = synced != null && !synced.value().isEmpty() ? synced.value() : type.getSimpleName();
        Map<String, FieldModel> found = new LinkedHashMap<>();
        FieldModel id = null;
        List<Class<?>> hierarchy = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            hierarchy.add(c);
        }
        Collections.reverse(hierarchy);
        for (Class<?> c : hierarchy) {
            for (Field f : c.getDeclaredFields()) {
                int m = f.getModifiers();
                if (Modifier.isStatic(m) || Modifier.isTransient(m) || f.isSynthetic()
                        || f.isAnnotationPresent(NotSynced.class) || f.getName().startsWith("$")) {
                    continue;
                }
                if (Modifier.isFinal(m)) {
                    throw new IllegalArgumentException("field " + c.getName() + "." + f.getName()
                            + " is final and cannot be synced: make it non-final, transient or @NotSynced");
                }
                if (found.containsKey(f.getName())) {
                    throw new IllegalArgumentException("field " + c.getName() + "." + f.getName()
                            + " hides a synced field of the same name in a superclass");
                }
                f.setAccessible(true);
                FieldModel model = new FieldModel(
                        f.getName(), f, Json.MAPPER.getTypeFactory().constructType(f.getGenericType()));
                found.put(f.getName(), model);
                if (Tracked.class.isAssignableFrom(type) && !model.wrapped()
                        && (java.util.Collection.class.isAssignableFrom(f.getType())
                                || Map.class.isAssignableFrom(f.getType()))) {
                    log.warn("field {}.{} is declared as {}: changes made in place are recorded only when the field "
                            + "is assigned; declare it as List, Set, Map or Collection to record them",
                            c.getName(), f.getName(), f.getType().getName());
                }
                if (f.isAnnotationPresent(SyncId.class)) {
                    if (id != null) {
                        throw new IllegalArgumentException(type.getName() + " has two @SyncId fields: "
                                + id.name() + " and " + f.getName());
                    }
                    id = model;
                }
            }
        }
        if (id == null) {
            id = found.get("id");
        }
        if (id == null) {
            throw new IllegalArgumentException(
                    type.getName() + " has no identity: mark a field @SyncId or name one 'id'");
        }
        this.fields = Collections.unmodifiableMap(found);
        this.fieldArray = found.values().toArray(new FieldModel[0]);
        this.alwaysDiffed = WrittenFields.alwaysDiffed(fieldArray);
        this.aloneKeys = java.util.Arrays.stream(fieldArray).map(f -> new String[] {f.name()}).toArray(String[][]::new);
        this.idField = id;
        for (String merged : policy.setMerged()) {
            FieldModel f = found.get(merged);
            if (f == null || !(java.util.Set.class.isAssignableFrom(f.field().getType())
                    || java.util.List.class.isAssignableFrom(f.field().getType()))
                    || f.javaType().getContentType() == null
                    || f.javaType().getContentType().getRawClass() != String.class) {
                throw new IllegalArgumentException(type.getName() + "." + merged
                        + " cannot merge as a set: it must be a synced Set<String> or List<String> field");
            }
        }
        for (String merged : policy.listMerged()) {
            FieldModel f = found.get(merged);
            if (f == null || !java.util.List.class.isAssignableFrom(f.field().getType())
                    || policy.setMerged().contains(merged)) {
                throw new IllegalArgumentException(type.getName() + "." + merged + " cannot merge as a list: it must "
                        + "be a synced List field, not also merged as a set");
            }
        }
        for (String merged : policy.keyMerged()) {
            if (policy.setMerged().contains(merged) || policy.listMerged().contains(merged)) {
                continue;
            }
            FieldModel f = found.get(merged);
            if (f == null || !(java.util.Map.class.isAssignableFrom(f.field().getType())
                    || ObjectNode.class.isAssignableFrom(f.field().getType())
                    || f.field().getType() == JsonNode.class)) {
                throw new IllegalArgumentException(type.getName() + "." + merged
                        + " cannot merge key by key: it must be a synced Map, ObjectNode or JsonNode field");
            }
        }
        try {
            this.constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(type.getName() + " needs a no-argument constructor (any visibility)", e);
        }
        Map<String, Method> exposed = new HashMap<>();
        for (Method method : type.getDeclaredMethods()) {
            if (method.isAnnotationPresent(Rpc.class)) {
                if (!Modifier.isStatic(method.getModifiers())) {
                    throw new IllegalArgumentException("@Rpc method " + type.getName() + "." + method.getName()
                            + " must be static");
                }
                method.setAccessible(true);
                exposed.put(method.getName(), method);
            }
        }
        this.rpcs = Collections.unmodifiableMap(exposed);
    }

    /** The identity of {@code object} as JSON, assigning a UUID to a null String identity. */
    JsonNode ensureId(Object object) {
        Object value = get(object, idField);
        if (value == null) {
            if (idField.field().getType() != String.class) {
                throw new IllegalArgumentException("identity " + klass + "." + idField.name()
                        + " is null; only a String identity is assigned automatically");
            }
            value = UUID.randomUUID().toString();
            set(object, idField, value);
        }
        return toJson(idField, value);
    }

    /** All synced fields of {@code object} as JSON. */
    ObjectNode read(Object object) {
        ObjectNode node = Json.object();
        for (FieldModel f : fieldArray) {
            node.set(f.name(), direct(f) ? scalarJson(f, object) : toJson(f, get(object, f)));
        }
        return node;
    }

    /**
     * Converts a JSON value to the field's Java type.
     *
     * @throws ScribeException with code 400 naming the field when the value does not fit
     */
    Object fromJson(FieldModel f, JsonNode value) {
        if (policy.setMerged().contains(f.name()) && value != null && value.isObject()) {
            value = SetMerge.elements(value);
        } else if (policy.listMerged().contains(f.name()) && value != null && value.isObject()) {
            value = ListMerge.elements(klass + "." + f.name(), value);
        }
        if (value != null && direct(f)) {
            Object natural = ScalarJson.natural(f.field().getType(), value);
            if (natural != null) {
                return natural;
            }
        }
        try {
            Object converted = mapper.treeToValue(value, f.javaType());
            if (converted == null && f.field().getType().isPrimitive()) {
                throw new IllegalArgumentException("null for a primitive field");
            }
            return converted;
        } catch (Exception e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "value for " + klass + "." + f.name()
                    + " does not fit " + f.javaType().toCanonical() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Converts a value a peer sent for {@code f}, refusing what this class would not hold itself: a value of the
     * wrong type, null for a primitive, or null for a collection, map or array field that a new instance of the
     * class initialises (code using it counts on a value being there), or a value that converting would change
     * (see {@link ScalarJson#changedByConversion}).
     *
     * @throws ScribeException with code 400 naming the field
     */
    Object incoming(FieldModel f, JsonNode value) {
        refuseChangedByConversion(f, value);
        if ((value == null || value.isNull()) && f.field().getType().isPrimitive()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "null for " + klass + "." + f.name()
                    + ", a " + f.field().getType() + "; refused");
        }
        if ((value == null || value.isNull()) && nonNullByDefault().contains(f.name())) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "null for " + klass + "." + f.name()
                    + ", which a new " + type.getSimpleName() + " initialises; refused");
        }
        return fromJson(f, value);
    }

    /** Refuses, with 400 naming the field, a value for {@code f} that {@link ScalarJson#changedByConversion converting changes}. */
    void refuseChangedByConversion(FieldModel f, JsonNode value) {
        if (value != null && ScalarJson.changedByConversion(f.field().getType(), value)) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "value for " + klass + "." + f.name() + " does not"
                    + " fit " + f.javaType().toCanonical() + ": " + value + " would be held as another value; refused");
        }
    }

    private volatile java.util.Set<String> nonNullByDefault;

    /** The collection, map and array fields a new instance holds a value in; computed once. */
    private java.util.Set<String> nonNullByDefault() {
        java.util.Set<String> known = nonNullByDefault;
        if (known != null) {
            return known;
        }
        java.util.Set<String> found = new java.util.HashSet<>();
        try {
            T fresh = instantiate();
            for (FieldModel f : fields.values()) {
                Class<?> t = f.field().getType();
                boolean container = java.util.Collection.class.isAssignableFrom(t) || Map.class.isAssignableFrom(t)
                        || t.isArray();
                if (container && get(fresh, f) != null) {
                    found.add(f.name());
                }
            }
        } catch (RuntimeException e) {
            log.debug("{}: no new instance to learn its initialised fields from", type.getName(), e);
        }
        nonNullByDefault = java.util.Set.copyOf(found);
        return nonNullByDefault;
    }

    /**
     * Whether the scalar field {@code f} of {@code object} is written directly by {@link #scalarJson} rather than by
     * the mapper: a primitive, box or String field converted by Scribe's own mapper (a configured one may write
     * them its own way).
     */
    boolean direct(FieldModel f) {
        return mapper == Json.MAPPER && f.scalar() && !policy.setMerged().contains(f.name());
    }

    /**
     * The JSON of a {@link #direct} field, as the mapper would write it ({@code valueToTree}; see {@link ScalarJson}).
     */
    JsonNode scalarJson(FieldModel f, Object object) {
        try {
            JsonNode node = ScalarJson.read(f.field(), object);
            return node != null ? node : toJson(f, get(object, f));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + klass + "." + f.name(), e);
        }
    }

    /**
     * Whether the {@link #direct} field {@code f} of {@code object} still has the value {@code held} holds, i.e.
     * {@code scalarJson(f, object).equals(held)}, without building the node.
     */
    boolean sameScalar(FieldModel f, Object object, JsonNode held) {
        try {
            return ScalarJson.same(f.field(), object, held);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + klass + "." + f.name(), e);
        }
    }

    JsonNode toJson(FieldModel f, Object value) {
        if (policy.setMerged().contains(f.name())) {
            return SetMerge.object(klass + "." + f.name(), value);
        }
        if (value != null && mapper == Json.MAPPER) {
            JsonNode node = ScalarJson.of(value);
            if (node != null) {
                return node;
            }
        }
        try {
            return mapper.valueToTree(value);
        } catch (IllegalArgumentException e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "field " + klass + "." + f.name()
                    + " holds a value that cannot be synced as JSON (" + value.getClass().getName() + "): "
                    + e.getMessage(), e);
        }
    }

    Object get(Object object, FieldModel f) {
        try {
            return f.field().get(object);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read " + klass + "." + f.name(), e);
        }
    }

    /**
     * Writes a synced field by reflection (no capture hook runs). On an enhanced object, a List, Set, Map or
     * Collection value is wrapped so that later changes in place are recorded.
     */
    void set(Object object, FieldModel f, Object value) {
        if (object instanceof Tracked && f.wrapped()) {
            value = Recording.wrap(object, f.name(), f.field().getType(), value);
        }
        try {
            f.field().set(object, value);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot write " + klass + "." + f.name(), e);
        }
    }

    /** Wraps the current value of a collection field of an enhanced object, when it is not wrapped yet. */
    void wrap(Object object, FieldModel f) {
        if (f.wrapped()) {
            Object value = get(object, f);
            if (value != null && !Recording.wraps(value, object, f.name())) {
                set(object, f, value);
            }
        }
    }

    /** A new instance for a remote or restored object: constructed in no scope, so it records no create. */
    T instantiate() {
        int scope = Hooks.openScope(null);
        try {
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new ScribeException(ScribeException.INTERNAL, "cannot construct " + type.getName(), e);
        } finally {
            Hooks.closeScope(scope);
        }
    }

    /** Text form of an identity value, the key of the identity map. */
    static String idText(JsonNode id) {
        return id.isValueNode() ? id.asText() : id.toString();
    }
}
