package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.SmallMap;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The update step of {@link LocalRecorder} for classes without list-merged fields (nearly all): diffs the fields an
 * update concerns against the held state field by field and builds the scribe, the new state and the change event
 * with as little as it can. Stateless.
 */
final class FlatUpdate {

    private FlatUpdate() {}

    /**
     * The step that records the update of {@code object}, of a class without list-merged fields, or null when
     * nothing changed: the fields in {@code diffed} ({@link WrittenFields}) are diffed one by one against the held
     * state, a primitive, box or String field without building its JSON unless it changed, and nothing is copied
     * when nothing changed. Run under the lock, recording on.
     */
    static Txn step(Scriber scriber, SyncedClass<?> c, Object object, Key key, ObjectState state, long diffed) {
        ObjectNode held = state.fields();
        ObjectNode changed = null;
        ObjectNode keyed = null;
        JsonNode idNow = null;
        SyncedClass.FieldModel[] all = c.fieldArray;
        for (int i = 0; i < all.length; i++) {
            SyncedClass.FieldModel f = all[i];
            if (!WrittenFields.selected(diffed, i)) {
                if (f == c.idField) {
                    // Not written: the identity held is the identity now.
                    idNow = held.get(f.name());
                }
                continue;
            }
            JsonNode old = held.get(f.name());
            JsonNode now;
            if (c.direct(f)) {
                if (c.sameScalar(f, object, old)) {
                    if (f == c.idField) {
                        idNow = old;
                    }
                    continue;
                }
                now = c.scalarJson(f, object);
            } else {
                now = c.toJson(f, c.get(object, f));
            }
            if (f == c.idField) {
                idNow = now;
            }
            if (now.equals(old)) {
                continue;
            }
            if (changed == null) {
                // Held in a SmallMap: most updates carry one or two fields.
                changed = SmallMap.node(2);
            }
            if (c.policy.keyMerged().contains(f.name())) {
                changed.set(f.name(), LocalRecorder.keyPatch(old, now));
                if (keyed == null) {
                    keyed = Json.object();
                }
                keyed.set(f.name(), now);
            } else {
                changed.set(f.name(), now);
            }
        }
        if (!SyncedClass.idText(idNow).equals(key.id())) {
            throw new IllegalStateException("the identity of " + key + " changed to " + idNow
                    + "; identities never change");
        }
        if (changed == null) {
            return null;
        }
        long clock = scriber.hlc.tick();
        ObjectNode fields = held.deepCopy();
        // Without key-merged fields, the new stamps are built as the immutable map the state keeps (no copy).
        Map<String, Stamp> stamps = keyed == null ? null : new HashMap<>(state.stamps());
        String[] stampedNames = keyed == null ? new String[changed.size()] : null;
        Stamp[] stampedWith = keyed == null ? new Stamp[changed.size()] : null;
        int stamped = 0;
        Map<String, Long> base = changed.size() == 1 ? null : new HashMap<>();
        Map<String, Long> single = null;
        Set<String> names = changed.size() == 1 ? null : new LinkedHashSet<>();
        String only = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = changed.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String f = e.getKey();
            if (names != null) {
                names.add(f);
            } else {
                only = f;
            }
            if (keyed != null && keyed.has(f)) {
                if (base == null) {
                    base = new HashMap<>();
                }
                LocalRecorder.stampKeys(state, f, e.getValue(), clock, base, stamps, scriber.guid);
                fields.set(f, keyed.get(f));
                continue;
            }
            long b = LocalRecorder.baseOf(state, f);
            if (base != null) {
                base.put(f, b);
            } else {
                single = Map.of(f, b);
            }
            if (stamps != null) {
                stamps.put(f, new Stamp(clock, scriber.guid, b));
            } else {
                stampedNames[stamped] = f;
                stampedWith[stamped++] = new Stamp(clock, scriber.guid, b);
            }
            fields.set(f, e.getValue());
        }
        if (stamps == null) {
            stamps = restamped(state.stamps(), stampedNames, stampedWith);
        }
        Txn tx = new Txn();
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        Scribe recorded = new Scribe(null, c.klass, Scribe.Type.UPDATE,
                Json.NODES.arrayNode(2).add(idNow).add(changed), scriber.guid, clock, base != null ? base : single);
        tx.entries.add(new Txn.Entry(recorded, null, c, object));
        tx.changes.add(new Change<>(Scribe.Type.UPDATE, object, key.id(), names != null ? names : Set.of(only),
                scriber.guid, true));
        return tx;
    }

    /** {@code old} with {@code names[i]} stamped {@code stamps[i]}, as an immutable map. */
    @SuppressWarnings("unchecked")
    private static Map<String, Stamp> restamped(Map<String, Stamp> old, String[] names, Stamp[] stamps) {
        int added = 0;
        for (String name : names) {
            if (!old.containsKey(name)) {
                added++;
            }
        }
        Map.Entry<String, Stamp>[] all = new Map.Entry[old.size() + added];
        int i = 0;
        for (Map.Entry<String, Stamp> e : old.entrySet()) {
            Map.Entry<String, Stamp> entry = e;
            for (int j = 0; j < names.length; j++) {
                if (names[j].equals(e.getKey())) {
                    entry = Map.entry(names[j], stamps[j]);
                    break;
                }
            }
            all[i++] = entry;
        }
        for (int j = 0; j < names.length; j++) {
            if (!old.containsKey(names[j])) {
                all[i++] = Map.entry(names[j], stamps[j]);
            }
        }
        return Map.ofEntries(all);
    }

}
