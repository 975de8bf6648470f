package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.OneBase;
import io.scribe.core.internal.SmallStamps;
import io.scribe.core.internal.UniformStamps;
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
        // The changed fields: the first as its index and written value alone; an object of them from the second on.
        ObjectNode changed = null;
        int firstAt = -1;
        JsonNode firstWritten = null;
        ObjectNode keyed = null;
        JsonNode idNow = null;
        SyncedClass.FieldModel[] all = c.fieldArray;
        // The indexes of the changed fields in all, in order, read back without iterating the changed node: bits of
        // a mask, or for a class of more than 64 fields an array.
        boolean wide = all.length > 64;
        long changedBits = 0;
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
            JsonNode written = now;
            if (c.policy.keyMerged().contains(f.name())) {
                written = LocalRecorder.keyPatch(old, now);
                if (keyed == null) {
                    keyed = Json.object();
                }
                keyed.set(f.name(), now);
            }
            if (firstAt < 0) {
                firstAt = i;
                firstWritten = written;
                changedAt = wide ? new int[all.length - i] : null;
            } else {
                if (changed == null) {
                    // Held in a SmallMap over the first field's name alone, an array shared by the updates of that
                    // field, until a second is set.
                    changed = HeldNode.single(c.aloneKeys[firstAt], firstWritten);
                }
                changed.set(f.name(), written);
            }
            if (wide) {
                changedAt[changedCount] = i;
            } else {
                changedBits |= 1L << i;
            }
            changedCount++;
        }
        if (!SyncedClass.idText(idNow).equals(key.id())) {
            throw new IllegalStateException("the identity of " + key + " changed to " + idNow
                    + "; identities never change");
        }
        if (firstAt < 0) {
            return null;
        }
        long clock = scriber.hlc.tick();
        ObjectNode fields = held.deepCopy();
        Txn tx = scriber.committer.reusableTxn();
        // One field written over a state whose other fields share one stamp (an object created, then that field set,
        // however often): the new stamps are that stamp and the field's, no array of them (see UniformStamps), made
        // below. Otherwise, without key-merged fields, the held ones in two arrays (the names shared with them and
        // with the fields), frozen once the step is committed, instead of a map copied to be changed and again to
        // be kept; with them, or past SmallStamps.MAX stamps, a map.
        UniformStamps uniform = keyed == null && changedCount == 1 && state.stamps() instanceof UniformStamps u
                && u.over(held) && held.has(all[firstAt].name())
                && (u.newerField() == null || u.newerField().equals(all[firstAt].name())) ? u : null;
        Map<String, Stamp> stamps = null;
        if (uniform == null) {
            stamps = keyed == null ? SmallStamps.copyOf(state.stamps(), held, tx) : null;
            if (stamps == null) {
                stamps = new HashMap<>(state.stamps());
            }
        }
        Map<String, Long> base = changedCount == 1 ? null : new HashMap<>();
        Stamp singleStamp = null;
        // The change event is for listeners only: none for a class nobody listens to.
        boolean listened = scriber.listeners.get(object.getClass()) != null;
        Set<String> names = !listened || changedCount == 1 ? null : new LinkedHashSet<>();
        String only = null;
        int at = -1;
        for (int n = 0; n < changedCount; n++) {
            at = wide ? changedAt[n] : Long.numberOfTrailingZeros(changedBits & (-1L << (at + 1)));
            String f = all[at].name();
            JsonNode value = changed != null ? changed.get(f) : firstWritten;
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
            Stamp stamp = new Stamp(clock, scriber.guid, b);
            if (base != null) {
                base.put(f, b);
            } else {
                singleStamp = stamp;
            }
            if (uniform != null) {
                fields.set(f, value);
                stamps = UniformStamps.withNewer(fields, uniform.stamp(), f, stamp);
                continue;
            }
            stamps.put(f, stamp);
            fields.set(f, value);
        }
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        if (changed == null && base == null) {
            // One field (the usual enhanced setter call): staged by its parts, the scribe made if it is read.
            tx.entries.add(new RecordedField(c, object, idNow, c.aloneKeys[firstAt], firstWritten, singleStamp));
        } else {
            if (changed == null) {
                changed = HeldNode.single(c.aloneKeys[firstAt], firstWritten);
            }
            Scribe recorded = new Scribe(null, c.klass, Scribe.Type.UPDATE,
                    Json.pair(idNow, changed), scriber.guid, clock,
                    base != null ? base : OneBase.of(all[firstAt].name(), singleStamp.base()));
            tx.entries.add(new Txn.Scribed(recorded, null, c, object));
        }
        if (listened) {
            tx.change(new Change<>(Scribe.Type.UPDATE, object, key.id(), names != null ? names : Set.of(only),
                    scriber.guid, true));
        }
        return tx;
    }
}
