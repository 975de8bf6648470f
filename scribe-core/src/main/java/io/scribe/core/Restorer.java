package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.ArrayList;
import java.util.List;
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

    /** Loads the objects of the store into the identity map, and moves the clock past everything stored. */
    static void restore(Scriber scriber) {
        List<ObjectState> loaded = new ArrayList<>();
        scriber.store.forEachObject(loaded::add);
        long maxClock = 0;
        for (ObjectState state : loaded) {
            if (FailedScribes.KLASS.equals(state.klass())) {
                scriber.failures.restore(state);
                continue;
            }
            Key key = new Key(state.klass(), state.id());
            for (Stamp stamp : state.stamps().values()) {
                maxClock = Math.max(maxClock, stamp.clock());
            }
            if (state.tombstone() != null) {
                maxClock = Math.max(maxClock, state.tombstone().clock());
                scriber.states.put(key, state);
                continue;
            }
            SyncedClass<?> c = scriber.byKlass.get(state.klass());
            if (c == null) {
                log.warn("scriber {}: stored object {} belongs to no registered class; kept in the store only",
                        scriber.guid, key);
                scriber.states.put(key, state);
                continue;
            }
            Object object = c.instantiate();
            // Normalised through the Java type, as played values are: a stored 2 reads back as an int node, and the
            // next local diff must not mistake it for a change of a long field.
            ObjectNode normalized = state.fields().deepCopy();
            for (FieldModel f : c.fields.values()) {
                JsonNode v = state.fields().get(f.name());
                if (v != null) {
                    Object value = c.fromJson(f, v);
                    c.set(object, f, value);
                    if (!c.policy.listMerged().contains(f.name())) {
                        // (A merged list's held form carries ids and positions its Java value has not.)
                        normalized.set(f.name(), c.toJson(f, value));
                    }
                }
            }
            scriber.states.put(key, new ObjectState(state.klass(), state.id(), normalized, state.stamps(), null));
            scriber.objects.put(key, object);
            scriber.bound.put(object, key);
            scriber.recorder.bind(object, true);
        }
        long last = scriber.store.lastId();
        if (last > 0) {
            for (Scribe s : scriber.store.readAfter(last - 1, 1)) {
                maxClock = Math.max(maxClock, s.clock());
            }
        }
        scriber.hlc.observe(maxClock);
    }
}
