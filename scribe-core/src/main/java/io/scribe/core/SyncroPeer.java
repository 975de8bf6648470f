package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a session in Syncro mode keeps so that its peer, whose scribes carry no clock, ends with the values this peer
 * holds. This peer is the arbiter: a clockless scribe is merged here (stamped on arrival, or under everything when it
 * comes from the peer's whole history), and whenever the peer may now hold another value than the one that won here,
 * it is sent the winning value as an {@code update}.
 *
 * <p>The peer may hold another value in three cases, all handled here:
 * <ul>
 *   <li>its scribe lost here (it came from its history, or its value did not fit the field's type);</li>
 *   <li>this peer had sent it a value of that field that it had not yet confirmed playing when its own scribe
 *       arrived (a peer plays and answers in order, so the answer to a later request confirms), so it may have played
 *       the older value over its own;</li>
 *   <li>a scribe sent to it carries a value that a later scribe of its own overwrote here: that later scribe is not
 *       sent back, so the outgoing scribe carries the current value instead ({@link #outgoing}).</li>
 * </ul>
 *
 * <p>It also knows which objects the peer created and destroyed itself in this session, so that catch-up never sends
 * it a {@code destroy} it cannot play. Guarded by the Scriber's lock.
 */
final class SyncroPeer {

    /** A value sent to the peer, confirmed once the answer to request {@code tag} (or a later one) arrives. */
    private record Sent(JsonNode value, int tag) {}

    private final Scriber scriber;
    private final String clientId;
    private final Map<Key, Map<String, Sent>> unconfirmed = new HashMap<>();
    /** Objects the peer created, and destroyed, by its own scribes received in this session. */
    final Set<Key> created = new HashSet<>();
    final Set<Key> destroyed = new HashSet<>();
    /**
     * The peer's cursor in this log: what it asked from, then the id of the newest scribe sent to it. A correction
     * carries it as its id, since Syncro takes the id of every scribe it plays as its new cursor.
     */
    String cursor;
    /** Whether the peer's {@code sync} arrived, so that {@link #cursor} is known; corrections wait until it is. */
    boolean asked;
    /** Corrections waiting for the peer's {@code sync}. */
    final List<ObjectNode> waiting = new java.util.ArrayList<>();
    /** Corrections sent and not yet answered; while there are some, the peer's cursor is held back. */
    int correcting;
    /** The cursor in the peer's log to store once every correction was answered, or null. */
    String heldCursor;

    SyncroPeer(Scriber scriber, String clientId) {
        this.scriber = scriber;
        this.clientId = clientId;
    }

    /**
     * The wire form of one of this log's scribes for the peer: a field value that a later scribe of the peer's own
     * overwrote here is replaced by the current value, since that later scribe will not be sent back.
     */
    ObjectNode outgoing(Scribe s) {
        ObjectNode json = Json.toJson(s);
        if (s.type() == Scribe.Type.DESTROY) {
            return json;
        }
        SyncedClass<?> c = scriber.classes.byKlass(s.klass());
        if (c == null) {
            return json;
        }
        Key key = IdentityMap.keyOfScribe(c, s);
        ObjectState state = scriber.live.state(key);
        JsonNode values = s.type() == Scribe.Type.CREATE ? s.data() : s.data().path(1);
        if (state == null || state.destroyed() || !values.isObject()) {
            return json;
        }
        ObjectNode replaced = null;
        for (Iterator<String> it = values.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            Stamp stamp = state.stamps().get(f);
            JsonNode now = state.fields().get(f);
            if (stamp == null || now == null || c.policy.keyMerged().contains(f) || !clientId.equals(stamp.origin())
                    || stamp.clock() <= s.clock() || now.equals(values.get(f))) {
                continue;
            }
            if (replaced == null) {
                replaced = values.deepCopy();
            }
            replaced.set(f, now);
        }
        if (replaced != null) {
            json.set("data", s.type() == Scribe.Type.CREATE ? replaced
                    : Json.NODES.arrayNode().add(s.data().get(0)).add(replaced));
        }
        return json;
    }

    /** Notes the field values carried by a scribe sent to the peer in its wire form, confirmed by request {@code tag}. */
    void sent(JsonNode scribeJson, int tag) {
        JsonNode id = scribeJson.get("id");
        if (id != null && !id.isNull()) {
            cursor = id.asText();
        }
        String type = scribeJson.path("type").asText();
        SyncedClass<?> c = scriber.classes.byKlass(scribeJson.path("klass").asText());
        if (c == null || "destroy".equals(type)) {
            return;
        }
        JsonNode data = scribeJson.get("data");
        JsonNode values = "create".equals(type) ? data : data.path(1);
        JsonNode objectId = "create".equals(type) ? data.get(c.idField.name()) : data.get(0);
        if (objectId == null || !values.isObject()) {
            return;
        }
        Map<String, Sent> fields = unconfirmed.computeIfAbsent(new Key(c.klass, SyncedClass.idText(objectId)),
                k -> new HashMap<>());
        values.fields().forEachRemaining(e -> fields.put(e.getKey(), new Sent(e.getValue(), tag)));
    }

    /** The peer answered request {@code requestId}: it has played everything sent before that request. */
    void confirm(int requestId) {
        for (Iterator<Map<String, Sent>> objects = unconfirmed.values().iterator(); objects.hasNext(); ) {
            Map<String, Sent> fields = objects.next();
            fields.values().removeIf(sent -> sent.tag() <= requestId);
            if (fields.isEmpty()) {
                objects.remove();
            }
        }
    }

    /** Whether the peer may still hold an object: it did not destroy it itself in this session. */
    boolean mayHold(Key key) {
        return !destroyed.contains(key);
    }

    /**
     * After the peer's clockless scribes were played into {@code tx}, in the peer's order: the corrections to send it
     * once {@code tx} is committed, each an update scribe in wire form with the values that won here where the peer
     * may hold others. {@code fromLog}: the scribes come from the peer's log (a catch-up), not live; the peer may
     * have played values of ours over them since it made them (in an earlier session, so nothing here tells), so
     * every field they carry that another peer had written here is sent with the value that won.
     */
    List<ObjectNode> played(List<Scribe> scribes, Txn tx, boolean fromLog) {
        Map<Key, ObjectNode> peerValues = new LinkedHashMap<>();
        for (Scribe s : scribes) {
            SyncedClass<?> c = scriber.classes.byKlass(s.klass());
            if (c == null) {
                continue;
            }
            Key key;
            try {
                key = IdentityMap.keyOfScribe(c, s);
            } catch (RuntimeException e) {
                continue;
            }
            switch (s.type()) {
                case CREATE -> {
                    created.add(key);
                    if (s.data().isObject()) {
                        peerValues.put(key, ((ObjectNode) s.data()).deepCopy());
                    }
                }
                case UPDATE -> {
                    if (s.data().path(1).isObject()) {
                        peerValues.computeIfAbsent(key, k -> Json.object()).setAll((ObjectNode) s.data().get(1));
                    }
                }
                case DESTROY -> {
                    destroyed.add(key);
                    peerValues.remove(key);
                }
            }
        }
        List<ObjectNode> corrections = new java.util.ArrayList<>();
        peerValues.forEach((key, values) -> {
            ObjectNode fix = correction(key, values, tx, fromLog);
            if (fix != null) {
                corrections.add(fix);
            }
        });
        return corrections;
    }

    /** The object a correction in wire form is about. */
    Key keyOf(ObjectNode fix) {
        SyncedClass<?> c = scriber.classes.byKlass(fix.path("klass").asText());
        JsonNode id = fix.path("data").path(0);
        return c == null || id.isMissingNode() ? null : new Key(c.klass, SyncedClass.idText(id));
    }

    /** Corrections that earlier sessions could not deliver, with the values held here now. */
    List<ObjectNode> owed(Map<Key, Set<String>> owed, Txn tx) {
        List<ObjectNode> result = new java.util.ArrayList<>();
        owed.forEach((key, fields) -> {
            ObjectNode any = Json.object();
            // Values that cannot be the ones held here, so that every owed field is sent.
            fields.forEach(f -> any.set(f, Json.NODES.missingNode()));
            ObjectNode fix = correction(key, any, tx, false);
            if (fix != null) {
                result.add(fix);
            }
        });
        return result;
    }

    /**
     * The {@code destroy}s to send a Scribe peer speaking Syncro's protocol (its scribes carry clocks) for the objects
     * its scribes show it holds while this peer holds their tombstones, the destroys themselves compacted away: a
     * peer read from its start (as a server names Syncro connections by default) comes back with creates of objects
     * destroyed long ago, which the log no longer has a destroy of to send it. Such a peer plays a destroy of an
     * object it no longer holds as a tombstone, so one sent twice is harmless. Not for a Ruby Syncro peer: its log
     * keeps its create of an object after it played the destroy, which nothing here can tell from the object still
     * held, and it raises on a destroy of a record it does not have. Caller holds the engine lock, after playing
     * {@code scribes} into {@code tx}.
     */
    List<ObjectNode> destroysFor(List<Scribe> scribes, Txn tx) {
        Set<Key> held = new java.util.LinkedHashSet<>();
        for (Scribe s : scribes) {
            SyncedClass<?> c = scriber.classes.byKlass(s.klass());
            if (c == null) {
                continue;
            }
            Key key = IdentityMap.keyOfScribe(c, s);
            if (s.type() == Scribe.Type.DESTROY) {
                held.remove(key);
            } else {
                held.add(key);
            }
        }
        List<ObjectNode> result = new java.util.ArrayList<>();
        long horizon = -1;
        for (Key key : held) {
            ObjectState state = stateOf(key, tx);
            if (state == null || !state.destroyed() || state.tombstone() == null) {
                continue;
            }
            if (horizon < 0) {
                horizon = scriber.compactor.mark().horizon();
            }
            if (state.tombstone().clock() > horizon) {
                continue; // newer than everything compacted: the log still has the destroy, and sends it
            }
            ObjectNode destroy = Json.toJson(Snapshot.destroyOf(scriber.classes.byKlass(key.klass()), state));
            if (cursor != null) {
                destroy.put("id", cursor);
            }
            result.add(destroy);
        }
        return result;
    }

    /** The state of {@code key} as {@code tx} leaves it (null when it forgets it), else as held here. */
    private ObjectState stateOf(Key key, Txn tx) {
        return tx.states.containsKey(key) ? tx.states.get(key) : scriber.live.state(key);
    }

    private ObjectNode correction(Key key, ObjectNode peerValues, Txn tx, boolean always) {
        SyncedClass<?> c = scriber.classes.byKlass(key.klass());
        ObjectState state = stateOf(key, tx);
        if (state == null || state.destroyed()) {
            return null;
        }
        Object live = tx.bind.containsKey(key) ? tx.bind.get(key) : scriber.live.object(key);
        ObjectState committed = scriber.live.state(key);
        ObjectNode fix = Json.object();
        long clock = 0;
        Map<String, Sent> pending = unconfirmed.getOrDefault(key, Map.of());
        for (Iterator<Map.Entry<String, JsonNode>> it = peerValues.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldModel f = c.fields.get(e.getKey());
            if (f == null || f == c.idField || c.policy.keyMerged().contains(f.name())) {
                continue;
            }
            JsonNode here = state.fields().get(f.name());
            if (here == null) {
                if (live == null) {
                    continue;
                }
                here = c.toJson(f, c.get(live, f));
            }
            JsonNode theirs;
            try {
                theirs = c.toJson(f, c.fromJson(f, e.getValue()));
            } catch (ScribeException wrongType) {
                theirs = null;
            }
            Sent older = pending.get(f.name());
            // From the peer's log, and it won here over another peer's value: that value may have reached the peer
            // after it made its change (in an earlier session), so its own value is sent back to it.
            Stamp before = committed == null ? null : committed.stamps().get(f.name());
            Stamp won = state.stamps().get(f.name());
            boolean overwritten = always && before != null && !clientId.equals(before.origin()) && won != null
                    && clientId.equals(won.origin());
            if (overwritten || !here.equals(theirs) || (older != null && !older.value().equals(here))) {
                fix.set(f.name(), here);
                Stamp stamp = state.stamps().get(f.name());
                if (stamp != null) {
                    clock = Math.max(clock, stamp.clock());
                }
            }
        }
        if (fix.isEmpty()) {
            return null;
        }
        ObjectNode scribe = Json.object();
        if (cursor != null) {
            scribe.put("id", cursor);
        }
        scribe.put("klass", c.klass).put("type", "update");
        scribe.set("data", Json.NODES.arrayNode().add(state.fields().get(c.idField.name())).add(fix));
        scribe.put("origin", scriber.id());
        if (clock != 0) {
            scribe.put("clock", clock);
        }
        return scribe;
    }
}
