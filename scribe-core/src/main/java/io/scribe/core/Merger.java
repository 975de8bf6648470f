package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Player.Played;
import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.SmallStamps;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Merges the values of a played scribe into an object, field by field (last writer wins under the class's resolver;
 * key-merged fields key by key): it stages the new state and the change of the live object, the corrections that
 * re-assert a value over a refused newer write, the conflicts listeners hear of, and the class's follow-up writes.
 * Runs under the Scriber's lock, for the {@link Player}; everything is staged in the step's {@link Txn}.
 */
final class Merger {

    private final Scriber scriber;
    /** What a class's follow-up hook writes after a played scribe. */
    final FollowUpStep followUps;

    Merger(Scriber scriber) {
        this.scriber = scriber;
        this.followUps = new FollowUpStep(scriber, this);
    }

    /**
     * Merges {@code values} (converted from {@code raw}, the scribe's field values) into the object at {@code key}
     * ({@code state}: its current state, null when new), under {@code resolver}, and stages the result in {@code tx}.
     */
    Played merge(SyncedClass<?> c, Key key, ObjectState state, Values values,
            ObjectNode raw, Scribe s, Session source, Txn tx, Resolver resolver) {
        boolean keyMergedClass = !c.policy.keyMerged().isEmpty();
        // The live object as tx leaves it: nothing below binds or unbinds one before the last use of it.
        Object object = live(tx, key);
        // A state this step staged itself is seen by nobody else until the step is committed: it is changed in place
        // instead of copied again. Not when a follow-up hook sees the state before and after, nor for a class with
        // key-merged fields (their values are converted while their stamps change), nor when the object would be
        // created here: then the merged state is a copy, staged as a whole (before the object is instantiated, as
        // it always was).
        boolean inPlace = state != null && !state.destroyed() && object != null && !keyMergedClass
                && c.policy.followUp() == null && state.stamps() instanceof SmallStamps staged && staged.ownedBy(tx);
        ObjectNode fields;
        Map<String, Stamp> stamps;
        if (inPlace) {
            fields = state.fields();
            stamps = state.stamps();
        } else {
            fields = state == null
                    ? values.size <= SmallStamps.MAX ? HeldNode.node(values.size) : Json.object()
                    : state.fields().deepCopy();
            stamps = keyMergedClass ? null
                    : state == null ? values.size <= SmallStamps.MAX ? SmallStamps.empty(values.size, tx) : null
                    : SmallStamps.copyOf(state.stamps(), state.fields(), tx);
            if (stamps == null) {
                stamps = state == null ? new HashMap<>() : new HashMap<>(state.stamps());
            }
        }
        // Made on the first use: most scribes lose no value and need no correction.
        ObjectNode corrected = null;
        ObjectNode lost = null;
        ObjectNode kept = null;
        // The newest write kept over a refused one; and this peer's own writes the incoming one overwrites.
        Stamp keptStamp = null;
        ObjectNode oursLost = null;
        ObjectNode theirsKept = null;
        // The values taken (their indexes in values, in order); of a plain field, its stamp and held value too, set
        // once every value is converted (so that a value that cannot be converted leaves the state as it was, even
        // one changed in place). In a class with key-merged fields, set as they come, so that the held fields keep
        // the scribe's order.
        int taken = 0;
        int[] takenAt = null;
        int plain = 0;
        Stamp[] plainStamps = null;
        JsonNode[] plainJson = null;
        // Stamped under everything as part of a Syncro peer's history (see Player#play): it only fills in. A scribe
        // that came with a clock of its own (a Scribe peer's, relayed or its own) merges by that clock, history or not.
        boolean history = tx.history && s.clock() <= tx.historyClock;
        boolean live = state != null && !state.destroyed() && !tx.foreign && !history;
        for (int i = 0; i < values.size; i++) {
            FieldModel field = values.fields[i];
            String name = field.name();
            if (keyMergedClass && c.policy.keyMerged().contains(name)) {
                JsonNode patch = raw.get(name);
                ObjectNode merged = fields.get(name) != null && fields.get(name).isObject()
                        ? (ObjectNode) fields.get(name).deepCopy() : Json.object();
                boolean any = false;
                for (Iterator<Map.Entry<String, JsonNode>> it = patch.isObject() ? patch.fields()
                        : Collections.<Map.Entry<String, JsonNode>>emptyIterator(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> k = it.next();
                    String stampName = name + "/" + k.getKey();
                    Stamp incoming = new Stamp(s.clock(), s.origin(), s.base().getOrDefault(stampName, 0L));
                    Stamp current = stamps.get(stampName);
                    boolean list = c.policy.listMerged().contains(name);
                    // Sets and lists report no conflicts: keeping concurrent adds and inserts is their rule.
                    boolean set = list || c.policy.setMerged().contains(name);
                    boolean present = merged.has(k.getKey());
                    boolean adds = !k.getValue().isNull();
                    if (current == null || (list ? ListMerge.replaces(current, present, incoming, adds)
                            : set ? SetMerge.replaces(current, present, incoming, adds)
                            : replaces(resolver, current, incoming, history, tx))) {
                        if (!set && live && current != null && current.origin().equals(scriber.guid)
                                && concurrentLoser(current, incoming)) {
                            if (oursLost == null) {
                                oursLost = Json.object();
                                theirsKept = Json.object();
                            }
                            oursLost.with(name).set(k.getKey(),
                                    merged.has(k.getKey()) ? merged.get(k.getKey()) : Json.NODES.nullNode());
                            theirsKept.with(name).set(k.getKey(), k.getValue());
                        }
                        if (k.getValue().isNull()) {
                            merged.remove(k.getKey());
                        } else {
                            merged.set(k.getKey(), k.getValue());
                        }
                        stamps.put(stampName, incoming);
                        any = true;
                        if (!set && live && current != null && outranked(c, resolver, current, incoming)) {
                            corrected = orNew(corrected);
                            corrected.with(name).set(k.getKey(), k.getValue());
                        }
                    } else if (!set && live && concurrentLoser(current, incoming)) {
                        JsonNode ours = merged.has(k.getKey()) ? merged.get(k.getKey()) : Json.NODES.nullNode();
                        if (lost == null) {
                            lost = Json.object();
                            kept = Json.object();
                        }
                        lost.with(name).set(k.getKey(), k.getValue());
                        kept.with(name).set(k.getKey(), ours);
                        keptStamp = keptStamp == null || current.compareTo(keptStamp) > 0 ? current : keptStamp;
                        if (incoming.compareTo(current) > 0) {
                            corrected = orNew(corrected);
                            corrected.with(name).set(k.getKey(), ours);
                        }
                    }
                }
                // An empty object on a create is a value too: the field exists, with no keys.
                if (any || (fields.get(name) == null && patch.isObject())) {
                    Object value = c.fromJson(field, merged);
                    if (takenAt == null) {
                        takenAt = new int[values.size];
                    }
                    // The merged value replaces the patch's: values is this scribe's alone.
                    values.values[i] = value;
                    takenAt[taken++] = i;
                    stamps.put(name, new Stamp(s.clock(), s.origin(), 0));
                    // A list's held form (ids and positions) is not a function of its Java value: kept as merged.
                    fields.set(name, c.policy.listMerged().contains(name)
                            ? ListMerge.canonical(merged) : c.toJson(field, value));
                }
                continue;
            }
            Stamp incoming = new Stamp(s.clock(), s.origin(), s.base().getOrDefault(name, 0L));
            Stamp current = stamps.get(name);
            if (current == null || replaces(resolver, current, incoming, history, tx)) {
                if (live && current != null && current.origin().equals(scriber.guid)
                        && concurrentLoser(current, incoming)) {
                    if (oursLost == null) {
                        oursLost = Json.object();
                        theirsKept = Json.object();
                    }
                    oursLost.set(name, fields.get(name));
                    theirsKept.set(name, raw.get(name));
                }
                if (takenAt == null) {
                    takenAt = new int[values.size];
                }
                takenAt[taken++] = i;
                boolean reassert = live && current != null && outranked(c, resolver, current, incoming);
                if (keyMergedClass) {
                    // Set in the order of the scribe's fields, among the key-merged ones (never changed in place).
                    stamps.put(name, incoming);
                    fields.set(name, c.toJson(field, values.values[i]));
                    if (reassert) {
                        corrected = orNew(corrected);
                        corrected.set(name, fields.get(name));
                    }
                    continue;
                }
                if (plainStamps == null) {
                    plainStamps = new Stamp[values.size];
                    plainJson = new JsonNode[values.size];
                }
                // Indexed as the taken values are: every value taken so far is of a plain field.
                plainStamps[plain] = incoming;
                // Normalised through the Java type, so a later local diff compares like with like.
                plainJson[plain] = c.toJson(field, values.values[i]);
                if (reassert) {
                    corrected = orNew(corrected);
                    corrected.set(name, plainJson[plain]);
                }
                plain++;
            } else {
                if (live && concurrentLoser(current, incoming)) {
                    if (lost == null) {
                        lost = Json.object();
                        kept = Json.object();
                    }
                    lost.set(name, raw.get(name));
                    kept.set(name, fields.get(name));
                    keptStamp = keptStamp == null || current.compareTo(keptStamp) > 0 ? current : keptStamp;
                }
                if (incoming.compareTo(current) > 0 && live
                        && !(incoming.clock() == current.clock() && fields.path(name).equals(raw.get(name)))) {
                    // A newer write was refused: its writer still shows it, so re-assert our value above it. Not the
                    // very write held here (same clock, same value: a create this peer made, relayed back to it under
                    // the name a hub gave it): nobody shows another value, and a correction would outrank later
                    // writes.
                    corrected = orNew(corrected);
                    corrected.set(name, fields.get(name));
                }
            }
        }
        for (int k = 0; k < plain; k++) {
            String name = values.fields[takenAt[k]].name();
            stamps.put(name, plainStamps[k]);
            fields.set(name, plainJson[k]);
        }
        // Fields of another version of the class: kept in the state and relayed, never set on the object.
        boolean keptUnknown = values.unknown && UnknownFields.merge(c, raw, fields, stamps, s, resolver, history, tx);
        if (corrected != null) {
            correct(c, key, state, fields, stamps, corrected, taken == 0, inPlace, tx);
        }
        if (lost != null) {
            tx.conflict(new Conflict(c.klass, key.id(), object, s, lost, kept,
                    keptStamp == null ? null : keptStamp.origin(), s.origin()));
        }
        if (oursLost != null) {
            tx.conflict(new Conflict(c.klass, key.id(), object, s, oursLost, theirsKept, s.origin(), scriber.guid));
        }
        if (taken == 0) {
            if (!keptUnknown) {
                return corrected != null ? Played.APPLIED : Played.NOOP;
            }
            if (!inPlace) {
                tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
            }
            tx.entries.add(new Txn.Scribed(s, source, c, object));
            return Played.APPLIED;
        }
        if (!inPlace) {
            tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        }
        Set<String> names;
        if (taken == 1) {
            names = Set.of(values.fields[takenAt[0]].name());
        } else {
            names = new LinkedHashSet<>();
            for (int k = 0; k < taken; k++) {
                names.add(values.fields[takenAt[k]].name());
            }
        }
        if (object == null) {
            Object created = c.instantiate();
            // Fields the create did not carry keep the constructor's defaults.
            FieldModel[] allFields = new FieldModel[c.fieldArray.length];
            Object[] allValues = new Object[allFields.length];
            int count = 0;
            for (FieldModel f : c.fieldArray) {
                JsonNode v = fields.get(f.name());
                if (v != null) {
                    int at = values.takenIndex(f, takenAt, taken);
                    allFields[count] = f;
                    allValues[count++] = at >= 0 ? values.values[at] : c.fromJson(f, v);
                }
            }
            int all = count;
            tx.effect(() -> {
                for (int k = 0; k < all; k++) {
                    c.set(created, allFields[k], allValues[k]);
                }
            });
            tx.bind(key, created);
            tx.change(new Change<>(Scribe.Type.CREATE, created, key.id(), names, s.origin(), false));
            object = created;
        } else {
            Object target = object;
            int[] at = takenAt;
            int set = taken;
            tx.effect(() -> {
                for (int k = 0; k < set; k++) {
                    c.set(target, values.fields[at[k]], values.values[at[k]]);
                }
            });
            tx.change(new Change<>(Scribe.Type.UPDATE, object, key.id(), names, s.origin(), false));
        }
        tx.entries.add(new Txn.Scribed(s, source, c, object));
        followUps.run(c, key, state, s, tx);
        return Played.APPLIED;
    }

    /**
     * The synced fields a scribe carries and their values, converted, in the scribe's order: two arrays instead of a
     * map, for the usual one or few fields. Made for one scribe; {@link #merge} may replace a value with the one it
     * merged.
     */
    static final class Values {
        final FieldModel[] fields;
        final Object[] values;
        int size;
        /** Whether the scribe carries a field the class has not. */
        boolean unknown;

        Values(int capacity) {
            fields = new FieldModel[capacity];
            values = new Object[capacity];
        }

        void add(FieldModel f, Object value) {
            fields[size] = f;
            values[size++] = value;
        }

        /** The index of {@code f} among the {@code taken} indexes of {@code takenAt}, or -1. */
        int takenIndex(FieldModel f, int[] takenAt, int taken) {
            for (int k = 0; k < taken; k++) {
                if (fields[takenAt[k]] == f) {
                    return takenAt[k];
                }
            }
            return -1;
        }
    }

    /**
     * Whether an incoming write replaces the current one. A write from a Syncro peer's history ({@code history}:
     * stamped by its place in it) replaces only what the same history wrote before it: it fills in, it never overrides.
     */
    static boolean replaces(Resolver resolver, Stamp current, Stamp incoming, boolean history, Txn tx) {
        if (history) {
            return current.origin().equals(incoming.origin()) && current.clock() <= tx.historyClock
                    && current.clock() < incoming.clock();
        }
        return resolver.replaces(current, incoming);
    }

    /**
     * Records an update that re-asserts {@code values} with a new stamp, each field's base the clock of the stamp it
     * replaces: after a refused newer write (the values held), or a write taken that the other peers would refuse
     * (its values, see {@link #outranked}).
     */
    private void correct(SyncedClass<?> c, Key key, ObjectState state, ObjectNode fields, Map<String, Stamp> stamps,
            ObjectNode values, boolean alone, boolean inPlace, Txn tx) {
        long clock = scriber.hlc.tick();
        Map<String, Long> base = new HashMap<>();
        values.fieldNames().forEachRemaining(f -> {
            if (c.policy.keyMerged().contains(f)) {
                values.get(f).fieldNames().forEachRemaining(k -> {
                    Stamp previous = stamps.get(f + "/" + k);
                    long b = previous == null ? 0 : previous.clock();
                    base.put(f + "/" + k, b);
                    stamps.put(f + "/" + k, new Stamp(clock, scriber.guid, b));
                });
                return;
            }
            base.put(f, stamps.get(f).clock());
            stamps.put(f, new Stamp(clock, scriber.guid, stamps.get(f).clock()));
        });
        JsonNode idNode = state.fields().get(c.idField.name());
        Scribe correction = new Scribe(null, c.klass, Scribe.Type.UPDATE,
                Json.NODES.arrayNode().add(idNode).add(values), scriber.guid, clock, base);
        if (alone && !inPlace) {
            tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        }
        tx.entries.add(new Txn.Scribed(correction, null, c, live(tx, key)));
    }

    /** {@code node}, or a new object node when it is null: the nodes a merge makes only on their first use. */
    private static ObjectNode orNew(ObjectNode node) {
        return node != null ? node : Json.object();
    }

    /**
     * Whether this peer took a write that the peers it sends it on to would refuse: its resolver here (an arbiter's,
     * see {@link Resolver#on}) took a write that the class's resolver, which the other peers apply, ranks below the
     * value it replaced (for example a write older than a re-stamp of the value it was based on). The value taken is
     * then re-asserted with a new stamp above both, as a correction is, so that every peer ends with it.
     */
    private static boolean outranked(SyncedClass<?> c, Resolver resolver, Stamp current, Stamp incoming) {
        Resolver elsewhere = c.policy.resolver();
        return resolver != elsewhere && !elsewhere.replaces(current, incoming);
    }

    /**
     * Whether a refused write lost a race: it differs from the current write (not a duplicate), its writer had not
     * seen the current value, and the current value's writer had not seen it either (a write that arrives late
     * after being overwritten, such as a re-sent old scribe, is not a conflict).
     */
    private static boolean concurrentLoser(Stamp current, Stamp incoming) {
        return incoming.compareTo(current) != 0 && !incoming.origin().equals(current.origin())
                && incoming.base() < current.clock() && current.base() < incoming.clock();
    }

    /** The state of {@code key} as {@code tx} leaves it: staged there, else the current one (null: none). */
    ObjectState stateIn(Txn tx, Key key) {
        ObjectState staged = tx.states.get(key);
        return staged != null ? staged : scriber.live.states.get(key);
    }

    /** The live object at {@code key} as {@code tx} leaves it, or null. */
    Object live(Txn tx, Key key) {
        if (tx.unbind.contains(key)) {
            return null;
        }
        Object staged = tx.bind.get(key);
        return staged != null ? staged : scriber.live.object(key);
    }
}
