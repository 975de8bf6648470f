package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    private UnknownFields() {}

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
