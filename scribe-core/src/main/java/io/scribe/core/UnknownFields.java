package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.Iterator;
import java.util.Map;

/**
 * The fields a played scribe carries that the local class has not: a peer with another version of the class (a field
 * added, or one this version removed or renamed). Their values are kept in the object's state, stamped and merged by
 * last writer as a plain field is, so that they are relayed, stored, sent in snapshots, and restored into the object
 * once a version of the class that has the field is registered. They are never set on the live object.
 */
final class UnknownFields {

    /** The most fields an object's state may hold that its class here lacks. */
    static final int MAX = 64;

    private UnknownFields() {}

    /**
     * Refuses, with 400, a scribe whose fields the class lacks would leave the object's state ({@code state}, null
     * for an object not held yet) with more than {@link #MAX} such fields, or that names one with a {@code /} (no
     * field's name has one; the stamps of a key-merged field's keys are named so). A peer that may write an object
     * cannot grow its state without bound with names no version of the class has.
     */
    static void check(SyncedClass<?> c, ObjectNode raw, ObjectState state) {
        int added = 0;
        for (Iterator<String> it = raw.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (c.fields.containsKey(name)) {
                continue;
            }
            if (name.indexOf('/') >= 0) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "field " + c.klass + "." + name
                        + " is not a field of " + c.klass + " here, and no field's name holds '/'; refused");
            }
            if (state == null || !state.fields().has(name)) {
                added++;
            }
        }
        if (added == 0) {
            return;
        }
        int held = 0;
        if (state != null) {
            for (Iterator<String> it = state.fields().fieldNames(); it.hasNext(); ) {
                if (!c.fields.containsKey(it.next())) {
                    held++;
                }
            }
        }
        if (held + added > MAX) {
            throw new ScribeException(ScribeException.BAD_REQUEST, c.klass + " " + (state == null ? "" : state.id())
                    + " would hold " + (held + added) + " fields its class here lacks, more than " + MAX
                    + "; refused");
        }
    }

    /**
     * Merges the fields of {@code raw} that {@code c} has not into {@code fields} and {@code stamps}.
     *
     * @return whether a value was taken
     */
    static boolean merge(SyncedClass<?> c, ObjectNode raw, ObjectNode fields, Map<String, Stamp> stamps, Scribe s,
            Resolver resolver, boolean history, Txn tx) {
        boolean taken = false;
        for (Iterator<Map.Entry<String, JsonNode>> it = raw.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (c.fields.containsKey(name)) {
                continue;
            }
            Stamp incoming = new Stamp(s.clock(), s.origin(), s.base().getOrDefault(name, 0L));
            Stamp current = stamps.get(name);
            if (current == null || Merger.replaces(resolver, current, incoming, history, tx)) {
                stamps.put(name, incoming);
                fields.set(name, e.getValue());
                taken = true;
            }
        }
        return taken;
    }
}
