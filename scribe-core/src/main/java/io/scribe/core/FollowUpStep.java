package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The writes a class's {@link Policy.FollowUp} hook makes after this peer applied a remote scribe: staged as this
 * peer's own update in the same step. Part of the play stage; runs under the engine lock.
 */
final class FollowUpStep {

    private final Scriber scriber;
    private final Merger merger;

    FollowUpStep(Scriber scriber, Merger merger) {
        this.scriber = scriber;
        this.merger = merger;
    }

    /**
     * Asks the class's {@link Policy.FollowUp} what this peer writes after applying {@code s}, and stages it in the
     * same step as this peer's own update. Not for writes of this peer or absorbed from a shared log.
     */
    void run(SyncedClass<?> c, Key key, ObjectState before, Scribe s, Txn tx) {
        Policy.FollowUp hook = c.policy.followUp();
        if (hook == null || tx.foreign || scriber.guid.equals(s.origin())) {
            return;
        }
        ObjectState after = tx.states.get(key);
        ObjectNode wanted;
        try {
            wanted = hook.applied(before, after == null || after.destroyed() ? null : after, s);
        } catch (RuntimeException e) {
            throw new ScribeException(ScribeException.INTERNAL, "follow-up of " + c.klass + " failed: " + e, e);
        }
        if (wanted == null || wanted.isEmpty() || after == null || after.destroyed()) {
            return;
        }
        long clock = scriber.hlc.tick();
        ObjectNode fields = after.fields().deepCopy();
        ObjectNode written = Json.object();
        Map<String, Stamp> stamps = new HashMap<>(after.stamps());
        Map<String, Long> base = new HashMap<>();
        Map<FieldModel, Object> values = new LinkedHashMap<>();
        wanted.fields().forEachRemaining(e -> {
            FieldModel f = c.fields.get(e.getKey());
            if (f == null || f == c.idField || c.policy.keyMerged().contains(f.name())) {
                throw new ScribeException(ScribeException.INTERNAL, "follow-up of " + c.klass
                        + " may write only plain synced fields: " + e.getKey());
            }
            Object value = c.fromJson(f, e.getValue());
            values.put(f, value);
            Stamp previous = stamps.get(f.name());
            long b = previous == null ? 0 : previous.clock();
            base.put(f.name(), b);
            stamps.put(f.name(), new Stamp(clock, scriber.guid, b));
            JsonNode json = c.toJson(f, value);
            fields.set(f.name(), json);
            written.set(f.name(), json);
        });
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        Object object = merger.live(tx, key);
        tx.effect(() -> values.forEach((f, v) -> c.set(object, f, v)));
        Scribe own = new Scribe(null, c.klass, Scribe.Type.UPDATE,
                Json.NODES.arrayNode().add(fields.get(c.idField.name())).add(written), scriber.guid, clock, base);
        tx.entries.add(new Txn.Scribed(own, null, c, object));
        Set<String> names = new LinkedHashSet<>();
        written.fieldNames().forEachRemaining(names::add);
        tx.change(new Change<>(Scribe.Type.UPDATE, object, key.id(), names, scriber.guid, true));
    }
}
