package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.SyncedClass.FieldModel;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scribe.core.internal.ScalarJson;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.UniformStamps;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Restores a Scriber from its store when it is built: the objects (live ones instantiated and bound, tombstones
 * kept), the list of failed scribes, and a clock moved past everything stored. Runs in the Scriber's constructor,
 * before any other thread can reach it, so it takes no lock.
 */
final class Restorer {

    /** Logs as the Scriber it restores. */
    private static final Logger log = LoggerFactory.getLogger(Scriber.class);

    private Restorer() {}

    /**
     * Loads the objects of the store into the identity map as the store hands them over (no list of every state
     * first), and moves the clock past everything stored, compacted history included.
     */
    static void restore(Scriber scriber) {
        long[] maxClock = {0};
        // One instance of each stamp origin and field name for every object restored (the store hands each object
        // its own copies): a live object then holds them no more than once it was created here.
        Map<String, String> shared = new HashMap<>();
        scriber.store.forEachObject(
                state -> maxClock[0] = Math.max(maxClock[0], restoreOne(scriber, state, shared)));
        long last = scriber.store.lastId();
        if (last > 0) {
            for (Scribe s : scriber.store.readAfter(last - 1, 1)) {
                maxClock[0] = Math.max(maxClock[0], s.clock());
            }
        }
        // The newest clock compaction removed (with the tombstones it removed).
        scriber.store.cursor(Compactor.KEY)
                .ifPresent(mark -> maxClock[0] = Math.max(maxClock[0], Compactor.Mark.parse(mark).horizon()));
        scriber.hlc.observe(maxClock[0]);
    }

    /** Restores one stored state; returns the newest clock it holds. */
    private static long restoreOne(Scriber scriber, ObjectState state, Map<String, String> shared) {
        if (FailedScribes.KLASS.equals(state.klass())) {
            scriber.failures.restore(state);
            return 0;
        }
        long maxClock = 0;
        for (Stamp stamp : state.stamps().values()) {
            maxClock = Math.max(maxClock, stamp.clock());
        }
        if (state.tombstone() != null) {
            scriber.live.states.put(new Key(state.klass(), state.id()), Committer.held(state));
            return Math.max(maxClock, state.tombstone().clock());
        }
        SyncedClass<?> c = scriber.classes.byKlass(state.klass());
        if (c == null) {
            Key key = new Key(state.klass(), state.id());
            log.warn("scriber {}: stored object {} belongs to no registered class; kept in the store only",
                    scriber.guid, key);
            scriber.live.states.put(key, Committer.held(state));
            return maxClock;
        }
        Object object = c.instantiate();
        // Normalised through the Java type, as played values are: a stored 2 reads back as an int node, and the next
        // local diff must not mistake it for a change of a long field. The stored fields are kept as they are when
        // every value is in its normal form already (the usual case); else a copy is (the store may hold the same
        // instance, and keeps what it stored).
        ObjectNode normalized = state.fields();
        for (FieldModel f : c.fieldArray) {
            JsonNode v = state.fields().get(f.name());
            if (v != null) {
                Object value = c.fromJson(f, v);
                c.set(object, f, value);
                if (!c.policy.listMerged().contains(f.name()) && !normal(c, f, object, v)) {
                    // (A merged list's held form carries ids and positions its Java value has not.)
                    JsonNode normal = c.toJson(f, value);
                    if (normal.getClass() != v.getClass() || !normal.equals(v)) {
                        if (normalized == state.fields()) {
                            normalized = normalized.deepCopy();
                        }
                        normalized.set(f.name(), normal);
                    }
                }
            }
        }
        JsonNode idValue = normalized.get(c.idField.name());
        String id = idValue != null && idValue.isTextual() && idValue.textValue().equals(state.id())
                ? idValue.textValue() : state.id();
        Key key = new Key(c.klass, id);
        scriber.live.states.put(key, Committer.held(
                new ObjectState(c.klass, id, normalized, share(state.stamps(), normalized, shared), null)));
        scriber.live.bind(key, object);
        scriber.recorder.bind(object, true);
        return maxClock;
    }

    /**
     * Whether {@code v}, the stored value of the scalar field {@code f} now set in {@code object}, is the node the
     * field's value converts back to ({@code c.toJson}), known without making that node: a text, int, long, boolean or
     * double node (never a subclass) equal to what the field holds. False when it cannot tell that way.
     */
    private static boolean normal(SyncedClass<?> c, FieldModel f, Object object, JsonNode v) {
        Class<?> type = v.getClass();
        if (!c.direct(f) || (type != TextNode.class && type != IntNode.class && type != LongNode.class
                && type != BooleanNode.class && type != DoubleNode.class)) {
            return false;
        }
        try {
            return ScalarJson.same(f.field(), object, v);
        } catch (IllegalAccessException e) {
            return false;
        }
    }

    /** {@code stamp} with its origin the one instance {@code shared} keeps of that text (itself when it is that). */
    private static Stamp sharedOrigin(Stamp stamp, Map<String, String> shared) {
        String origin = shared.computeIfAbsent(stamp.origin(), o -> o);
        return origin == stamp.origin() ? stamp : new Stamp(stamp.clock(), origin, stamp.base());
    }

    /**
     * {@code stamps} of the held {@code fields} as a {@link UniformStamps} when they are one stamp for every field;
     * otherwise {@code stamps} with one instance per distinct stamp (the fields a create or an update wrote share
     * theirs, as they do when recorded here) and origins and field names taken from {@code shared}, as the immutable
     * map an {@link ObjectState} keeps (so it is not copied again). An object holds a few distinct stamps: they are
     * found by scanning.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Stamp> share(
            Map<String, Stamp> stamps, ObjectNode fields, Map<String, String> shared) {
        if (HeldNode.indexed(fields) >= 0) {
            // One stamp for every field (the usual case): held as a view over the fields, with no map of its own.
            Map<String, Stamp> one = UniformStamps.of(stamps, fields);
            if (one instanceof UniformStamps uniform) {
                Stamp stamp = uniform.stamp();
                Stamp kept = sharedOrigin(stamp, shared);
                String name = uniform.newerField();
                if (name == null) {
                    return kept == stamp && uniform.over(fields) ? uniform : UniformStamps.all(fields, kept);
                }
                // One field written since by another write (a store kept the engine's own map).
                Stamp newer = uniform.get(name);
                Stamp keptNewer = sharedOrigin(newer, shared);
                return kept == stamp && keptNewer == newer && uniform.over(fields) ? uniform
                        : UniformStamps.withNewer(fields, kept, name, keptNewer);
            }
        }
        Map.Entry<String, Stamp>[] out = new Map.Entry[stamps.size()];
        Stamp[] read = new Stamp[stamps.size()];
        Stamp[] kept = new Stamp[stamps.size()];
        int distinct = 0;
        int i = 0;
        for (Map.Entry<String, Stamp> e : stamps.entrySet()) {
            Stamp stamp = e.getValue();
            Stamp same = null;
            for (int d = 0; d < distinct && same == null; d++) {
                if (read[d].equals(stamp)) {
                    same = kept[d];
                }
            }
            if (same == null) {
                same = sharedOrigin(stamp, shared);
                read[distinct] = stamp;
                kept[distinct++] = same;
            }
            out[i++] = Map.entry(shared.computeIfAbsent(e.getKey(), k -> k), same);
        }
        return Map.ofEntries(out);
    }
}
