package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.capture.Tracked;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Records the changes this peer makes to its own objects as scribes: {@code create}, {@code update} (the synced
 * fields that differ from the last recorded or played state), {@code destroy} and republished creates, each stamped
 * with a new clock of this peer. Each operation is a step that builds a {@link Txn} under the lock, handed to {@link
 * GroupCommit}, which commits the steps of writers on several threads together. Whether the change is recorded at
 * all (the recording scopes of {@link Scriber#withoutRecording}) is decided on the writer's thread, before the step
 * runs, since the step may run on another writer's thread. Behind {@link Scriber#create}, {@link Scriber#save},
 * {@link Scriber#destroy} and {@link Scriber#republish}.
 */
final class LocalRecorder {

    private final Scriber scriber;

    LocalRecorder(Scriber scriber) {
        this.scriber = scriber;
    }

    /** See {@link Scriber#create}. */
    <T> T create(T object) {
        SyncedClass<?> c = scriber.classes.of(object);
        if (object instanceof Tracked t && t.$scribe$recorder() != null) {
            if (t.$scribe$recorder() == scriber.recorder) {
                // An enhanced object constructed in this Scriber's scope was created by its constructor.
                return object;
            }
            throw new IllegalStateException("bound to another scriber (" + t.$scribe$recorder() + "): " + object);
        }
        boolean records = scriber.recording(Scribe.Type.CREATE, object);
        scriber.writes.write(() -> createStep(c, object, records));
        return object;
    }

    /** The step that creates {@code object}; run by {@link GroupCommit} under the lock. */
    private Txn createStep(SyncedClass<?> c, Object object, boolean records) {
        if (scriber.live.holds(object)) {
            throw new IllegalStateException("already created: " + scriber.live.bound.get(object));
        }
        JsonNode idNode = c.ensureId(object);
        Key key = new Key(c.klass, SyncedClass.idText(idNode));
        ObjectState existing = scriber.live.states.get(key);
        if (existing != null) {
            throw new IllegalStateException(
                    existing.destroyed() ? key + " was destroyed; identities are not reused" : key + " exists");
        }
        ObjectNode fields = c.read(object);
        ListMerge.IdSource ids = new ListMerge.IdSource(scriber);
        for (String list : c.policy.listMerged()) {
            fields.set(list, ListMerge.hold(c, c.fields.get(list), null, fields.get(list), ids));
        }
        long clock = scriber.hlc.tick();
        Stamp stamp = new Stamp(clock, scriber.guid);
        Map<String, Stamp> stamps = new HashMap<>();
        fields.fieldNames().forEachRemaining(f -> stamps.put(f, stamp));
        for (String merged : c.policy.keyMerged()) {
            fields.path(merged).fieldNames().forEachRemaining(k -> stamps.put(merged + "/" + k, stamp));
        }
        Txn tx = new Txn();
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        tx.bind(key, object);
        if (records) {
            Scribe s = new Scribe(null, c.klass, Scribe.Type.CREATE, fields.deepCopy(), scriber.guid, clock, Map.of());
            tx.entries.add(new Txn.Scribed(s, null, c, object));
        }
        tx.change(new Change<>(Scribe.Type.CREATE, object, key.id(), c.fields.keySet(), scriber.guid, true));
        return tx;
    }

    /** See {@link Scriber#republish}. */
    Optional<Scribe> republish(Object object) {
        SyncedClass<?> c = scriber.classes.of(object);
        boolean records = scriber.recording(Scribe.Type.CREATE, object);
        return first(scriber.writes.write(() -> republishStep(c, object, records)));
    }

    /** The step that republishes {@code object}, or null when nothing is recorded; run under the lock. */
    private Txn republishStep(SyncedClass<?> c, Object object, boolean records) {
        Key key = scriber.live.keyOf(object, scriber.guid);
        if (!records) {
            return null;
        }
        ObjectState state = scriber.live.states.get(key);
        ObjectNode fields = state.fields().deepCopy();
        long clock = scriber.hlc.tick();
        Map<String, Stamp> stamps = new HashMap<>(state.stamps());
        Map<String, Long> base = new HashMap<>();
        List<String> names = new ArrayList<>();
        fields.fieldNames().forEachRemaining(names::add);
        for (String merged : c.policy.keyMerged()) {
            fields.path(merged).fieldNames().forEachRemaining(k -> names.add(merged + "/" + k));
        }
        for (String name : names) {
            long b = baseOf(state, name);
            base.put(name, b);
            stamps.put(name, new Stamp(clock, scriber.guid, b));
        }
        Txn tx = new Txn();
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        Scribe s = new Scribe(null, c.klass, Scribe.Type.CREATE, fields.deepCopy(), scriber.guid, clock, base);
        tx.entries.add(new Txn.Scribed(s, null, c, object));
        return tx;
    }

    /** The first scribe a step stored, if any. */
    private static Optional<Scribe> first(List<Scribe> stored) {
        return stored.isEmpty() ? Optional.empty() : Optional.of(stored.get(0));
    }

    /** See {@link Scriber#save}: diffs every synced field. */
    Optional<Scribe> save(Object object) {
        SyncedClass<?> c = scriber.classes.of(object);
        boolean records = scriber.recording(Scribe.Type.UPDATE, object);
        return first(scriber.writes.write(() -> saveStep(c, object, records, WrittenFields.ALL)));
    }

    /**
     * Records what changed in an enhanced object, when it is still tracked here (see {@link ScriberRecorder#flush}),
     * diffing the fields in {@code diffed} ({@link WrittenFields}). When the write fails (the store refuses it, a
     * scribe too large for a frame), what was written stays in the object and pending, as when recording is off: the
     * object's next update diffs every field, so that it is not left out for good.
     */
    void saveIfTracked(SyncedClass<?> c, Object object, long diffed) {
        boolean records = scriber.recording(Scribe.Type.UPDATE, object);
        try {
            scriber.writes.write(() -> scriber.live.holds(object) ? saveStep(c, object, records, diffed) : null);
        } catch (RuntimeException e) {
            scriber.lock.lock();
            try {
                if (scriber.live.holds(object)) {
                    scriber.recorder.unrecorded(object);
                }
            } finally {
                scriber.lock.unlock();
            }
            throw e;
        }
    }

    /**
     * The step that records the update of {@code object}, or null when nothing changed or nothing is recorded; run
     * under the lock. Diffs the fields in {@code diffed}, or every field when an earlier update of the object was not
     * recorded (recording off): the fields written then are still pending, whichever they were.
     */
    private Txn saveStep(SyncedClass<?> c, Object object, boolean records, long diffed) {
        Key key = scriber.live.keyOf(object, scriber.guid);
        ObjectState state = scriber.live.states.get(key);
        if (!records) {
            scriber.recorder.unrecorded(object);
            return null;
        }
        if (scriber.recorder.takeUnrecorded(object)) {
            diffed = WrittenFields.ALL;
        }
        if (c.policy.listMerged().isEmpty()) {
            return FlatUpdate.step(scriber, c, object, key, state, diffed);
        }
        ObjectNode now = c.read(object);
        ListMerge.IdSource ids = new ListMerge.IdSource(scriber);
        for (String list : c.policy.listMerged()) {
            // The list diffed against the elements held: their ids and positions, new ones for inserts.
            now.set(list, ListMerge.hold(c, c.fields.get(list), state.fields().get(list), now.get(list), ids));
        }
        JsonNode idNow = now.get(c.idField.name());
        if (!SyncedClass.idText(idNow).equals(key.id())) {
            throw new IllegalStateException("the identity of " + key + " changed to " + idNow
                    + "; identities never change");
        }
        ObjectNode changed = Json.object();
        now.fields().forEachRemaining(e -> {
            JsonNode old = state.fields().get(e.getKey());
            if (!e.getValue().equals(old)) {
                changed.set(e.getKey(), c.policy.keyMerged().contains(e.getKey())
                        ? keyPatch(old, e.getValue()) : e.getValue());
            }
        });
        if (changed.isEmpty()) {
            return null;
        }
        long clock = scriber.hlc.tick();
        ObjectNode fields = state.fields().deepCopy();
        Map<String, Stamp> stamps = new HashMap<>(state.stamps());
        Map<String, Long> base = new HashMap<>();
        changed.fieldNames().forEachRemaining(f -> {
            if (c.policy.keyMerged().contains(f)) {
                stampKeys(state, f, changed.get(f), clock, base, stamps, scriber.guid);
                fields.set(f, now.get(f));
                return;
            }
            long b = baseOf(state, f);
            base.put(f, b);
            stamps.put(f, new Stamp(clock, scriber.guid, b));
            fields.set(f, changed.get(f));
        });
        Txn tx = new Txn();
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        Scribe recorded = new Scribe(null, c.klass, Scribe.Type.UPDATE,
                Json.NODES.arrayNode().add(idNow).add(changed), scriber.guid, clock, base);
        tx.entries.add(new Txn.Scribed(recorded, null, c, object));
        Set<String> names = new LinkedHashSet<>();
        changed.fieldNames().forEachRemaining(names::add);
        tx.change(new Change<>(Scribe.Type.UPDATE, object, key.id(), names, scriber.guid, true));
        return tx;
    }

    /**
     * The one-level JSON merge patch from {@code old} to {@code now}: changed and new keys with their values, removed
     * keys with null. A value that is not an object counts as an empty object.
     */
    static ObjectNode keyPatch(JsonNode old, JsonNode now) {
        ObjectNode patch = Json.object();
        JsonNode before = old != null && old.isObject() ? old : Json.object();
        JsonNode after = now != null && now.isObject() ? now : Json.object();
        after.fields().forEachRemaining(e -> {
            if (!e.getValue().equals(before.get(e.getKey()))) {
                patch.set(e.getKey(), e.getValue());
            }
        });
        before.fieldNames().forEachRemaining(k -> {
            if (!after.has(k)) {
                patch.putNull(k);
            }
        });
        return patch;
    }

    /** See {@link Scriber#destroy}. */
    void destroy(Object object) {
        SyncedClass<?> c = scriber.classes.of(object);
        boolean records = scriber.recording(Scribe.Type.DESTROY, object);
        scriber.writes.write(() -> destroyStep(c, object, records));
    }

    /** The step that destroys {@code object}; run under the lock. */
    private Txn destroyStep(SyncedClass<?> c, Object object, boolean records) {
        Key key = scriber.live.keyOf(object, scriber.guid);
        ObjectState state = scriber.live.states.get(key);
        JsonNode idNode = state.fields().get(c.idField.name());
        long clock = scriber.hlc.tick();
        Txn tx = new Txn();
        tx.states.put(key, Player.tombstone(c, key, idNode, new Stamp(clock, scriber.guid), state));
        tx.unbind(key);
        if (records) {
            Scribe s = new Scribe(null, c.klass, Scribe.Type.DESTROY, Json.NODES.arrayNode().add(idNode),
                    scriber.guid, clock, Map.of());
            tx.entries.add(new Txn.Scribed(s, null, c, object));
        }
        tx.change(new Change<>(Scribe.Type.DESTROY, object, key.id(), Set.of(), scriber.guid, true));
        return tx;
    }

    /** The clock of the value a local write of {@code stampName} replaces (0 when it had none). */
    static long baseOf(ObjectState state, String stampName) {
        Stamp previous = state.stamps().get(stampName);
        return previous == null ? 0 : previous.clock();
    }

    /**
     * Stamps a local write of the keys in {@code patch} of the key-merged field {@code f}, each key with the clock it
     * replaces as its base, and the field itself.
     */
    static void stampKeys(ObjectState state, String f, JsonNode patch, long clock, Map<String, Long> base,
            Map<String, Stamp> stamps, String guid) {
        for (Iterator<String> keys = patch.fieldNames(); keys.hasNext();) {
            String stampName = f + "/" + keys.next();
            long b = baseOf(state, stampName);
            base.put(stampName, b);
            stamps.put(stampName, new Stamp(clock, guid, b));
        }
        stamps.put(f, new Stamp(clock, guid, 0));
    }
}
