package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.SmallMap;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
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
        // The indexes of the changed fields in all, in order: read back without iterating the changed node.
        int[] changedAt = null;
        int changedCount = 0;
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
                changed = HeldNode.node(2);
                changedAt = new int[all.length - i];
            }
            changedAt[changedCount++] = i;
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
        // The change event is for listeners only: none for a class nobody listens to.
        boolean listened = scriber.listeners.get(object.getClass()) != null;
        Set<String> names = !listened || changed.size() == 1 ? null : new LinkedHashSet<>();
        String only = null;
        for (int n = 0; n < changedCount; n++) {
            String f = all[changedAt[n]].name();
            JsonNode value = changed.get(f);
            if (names != null) {
                names.add(f);
            } else {
                only = f;
            }
            if (keyed != null && keyed.has(f)) {
                if (base == null) {
                    base = new HashMap<>();
                }
                LocalRecorder.stampKeys(state, f, value, clock, base, stamps, scriber.guid);
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
            fields.set(f, value);
        }
        if (stamps == null) {
            stamps = restamped(c, state.stamps(), stampedNames, stampedWith);
        }
        Txn tx = new Txn();
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        Scribe recorded = new Scribe(null, c.klass, Scribe.Type.UPDATE,
                Json.NODES.arrayNode(2).add(idNow).add(changed), scriber.guid, clock, base != null ? base : single);
        tx.entries.add(new Txn.Entry(recorded, null, c, object));
        if (listened) {
            tx.change(new Change<>(Scribe.Type.UPDATE, object, key.id(), names != null ? names : Set.of(only),
                    scriber.guid, true));
        }
        return tx;
    }

    /**
     * {@code old} with {@code names[i]} (fields of {@code c}) stamped {@code stamps[i]}, as an immutable map: built
     * with {@code Map.of} of the pairs up to ten entries (a table and nothing else), with entries past that. When
     * {@code old} stamps only fields of {@code c} (the usual case) it is read by name, without iterating it.
     */
    private static Map<String, Stamp> restamped(SyncedClass<?> c, Map<String, Stamp> old, String[] names,
            Stamp[] stamps) {
        int known = 0;
        int added = 0;
        for (SyncedClass.FieldModel f : c.fieldArray) {
            if (old.containsKey(f.name())) {
                known++;
            } else if (indexOf(names, f.name()) >= 0) {
                added++;
            }
        }
        if (known != old.size()) {
            return restampedAny(old, names, stamps);
        }
        String[] k = new String[known + added];
        Stamp[] v = new Stamp[k.length];
        int i = 0;
        for (SyncedClass.FieldModel f : c.fieldArray) {
            int j = indexOf(names, f.name());
            Stamp stamp = j >= 0 ? stamps[j] : old.get(f.name());
            if (stamp != null) {
                k[i] = f.name();
                v[i++] = stamp;
            }
        }
        return immutable(k, v);
    }

    private static int indexOf(String[] names, String name) {
        for (int j = 0; j < names.length; j++) {
            if (names[j] == name || names[j].equals(name)) {
                return j;
            }
        }
        return -1;
    }

    /** {@link #restamped} for stamps of any names. */
    private static Map<String, Stamp> restampedAny(Map<String, Stamp> old, String[] names, Stamp[] stamps) {
        int added = 0;
        for (String name : names) {
            if (!old.containsKey(name)) {
                added++;
            }
        }
        String[] k = new String[old.size() + added];
        Stamp[] v = new Stamp[k.length];
        int i = 0;
        for (Map.Entry<String, Stamp> e : old.entrySet()) {
            int j = indexOf(names, e.getKey());
            k[i] = e.getKey();
            v[i++] = j >= 0 ? stamps[j] : e.getValue();
        }
        for (int j = 0; j < names.length; j++) {
            if (!old.containsKey(names[j])) {
                k[i] = names[j];
                v[i++] = stamps[j];
            }
        }
        return immutable(k, v);
    }

    /** The map of {@code k[i]} to {@code v[i]}, as {@code Map.of} makes it. */
    @SuppressWarnings("unchecked")
    private static Map<String, Stamp> immutable(String[] k, Stamp[] v) {
        return switch (k.length) {
            case 0 -> Map.of();
            case 1 -> Map.of(k[0], v[0]);
            case 2 -> Map.of(k[0], v[0], k[1], v[1]);
            case 3 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2]);
            case 4 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2], k[3], v[3]);
            case 5 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2], k[3], v[3], k[4], v[4]);
            case 6 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2], k[3], v[3], k[4], v[4], k[5], v[5]);
            case 7 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2], k[3], v[3], k[4], v[4], k[5], v[5], k[6], v[6]);
            case 8 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2], k[3], v[3], k[4], v[4], k[5], v[5], k[6], v[6],
                    k[7], v[7]);
            case 9 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2], k[3], v[3], k[4], v[4], k[5], v[5], k[6], v[6],
                    k[7], v[7], k[8], v[8]);
            case 10 -> Map.of(k[0], v[0], k[1], v[1], k[2], v[2], k[3], v[3], k[4], v[4], k[5], v[5], k[6], v[6],
                    k[7], v[7], k[8], v[8], k[9], v[9]);
            default -> {
                Map.Entry<String, Stamp>[] all = new Map.Entry[k.length];
                for (int i = 0; i < k.length; i++) {
                    all[i] = Map.entry(k[i], v[i]);
                }
                yield Map.ofEntries(all);
            }
        };
    }
}
