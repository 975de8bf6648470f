package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Undoing, on the peer that made it, a write its server refused for good.
 *
 * <p>A peer plays its own writes at once; when its server then refuses one (the class's authorizer said no, a value
 * the class or a store cannot take, a scribe too large), the write stays refused, and without more the writer would
 * show it for ever while every other peer shows the server's state. So a server that refuses a client's own write,
 * whether pushed live or met in its catch-up of the client's log, sends that client a {@code refused} request naming
 * the write (object, type, clock) with the error and the server's current state of the object as the client may see
 * it ({@code null} when there is none it may see). The client then puts back, in the values it still holds from that
 * write (their stamp is the refused write's), the server's values and stamps: a refused destroy brings the object back,
 * a refused update's fields take the server's values, a refused create of an object the server does not let it see
 * is removed. Later writes of its own are left alone, and nothing is recorded or sent: the server's state is what
 * every other peer holds already.
 *
 * <p>A server sends it only on sessions it does not trust as relays (its clients), and a client takes it only on a
 * session it trusts as a relay (its server: {@code ScribeClient} marks it so) and only from a peer its class's
 * authorizer lets write the object; stamps in the state more than the clock skew ahead, or values that do not fit
 * their fields, are refused with 400. So a client cannot undo its server's writes, and a peer that may not change an
 * object cannot use the message to change it. For a key-merged field only the keys the refused write still holds are
 * put back. Syncro peers are never sent one. Peers that do not know the message answer it with an error, which the
 * server ignores. A client that serves peers of its own does not relay the undo to them.
 */
final class Refusals {

    /** The message type. */
    static final String TYPE = "refused";

    private Refusals() {}

    /**
     * The {@code refused} request for {@code scribe}, which {@code session}'s client wrote and this peer refused with
     * {@code error}, or null when none is due: the refusal may be passing (a timeout, a rate limit), the scribe is
     * another peer's, or its class is unknown here. Caller holds the engine lock.
     */
    static ObjectNode notice(Scriber scriber, Session session, Scribe scribe, ScribeException error) {
        int code = error.code();
        boolean forGood = code == ScribeException.FORBIDDEN || code == ScribeException.BAD_REQUEST
                || code == ScribeException.TOO_LARGE;
        String writer = session.client().id();
        // Only to a peer this one serves: an upstream peer (a trusted relay) is not undone by its clients.
        if (!forGood || session.wire().isSyncro() || session.isTrustedRelay() || scribe.clock() == 0
                || (scribe.origin() != null && !scribe.origin().equals(writer))) {
            return null;
        }
        SyncedClass<?> c = scriber.classes.byKlass(scribe.klass());
        if (c == null) {
            return null;
        }
        Key key;
        try {
            key = IdentityMap.keyOfScribe(c, scribe);
        } catch (RuntimeException e) {
            return null;
        }
        if (key.id().isEmpty()) {
            return null;
        }
        ObjectNode notice = Json.object().put("type", TYPE).put("klass", c.klass).put("object", key.id())
                .put("write", scribe.type().wireName()).put("clock", scribe.clock()).put("code", code)
                .put("message", error.getMessage());
        Object subject = scriber.live.object(key);
        ObjectState state = scriber.live.state(key);
        if (subject != null && state != null && !state.destroyed()
                && scriber.relay.allowed(c, subject, scribe, writer)) {
            notice.set("current", Json.toJson(state));
        } else {
            notice.putNull("current");
        }
        return notice;
    }

    /**
     * Plays a {@code refused} request from {@code from}: puts the server's state back where this peer still holds
     * the refused write. Caller holds the engine lock.
     *
     * @throws ScribeException 400 when the request is malformed, 403 when {@code from} may not write the object
     */
    static void undo(Scriber scriber, Client from, JsonNode message) {
        String klass = text(message, "klass");
        String objectId = text(message, "object");
        Scribe.Type type;
        try {
            type = Scribe.Type.fromWire(text(message, "write"));
        } catch (IllegalArgumentException e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "refused: " + e.getMessage());
        }
        JsonNode clockNode = message.get("clock");
        if (clockNode == null || !clockNode.canConvertToLong()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "refused: clock must be an integer");
        }
        long clock = clockNode.asLong();
        SyncedClass<?> c = scriber.classes.byKlass(klass);
        if (c == null) {
            return;
        }
        JsonNode currentNode = message.get("current");
        ObjectState current = null;
        if (currentNode != null && !currentNode.isNull()) {
            try {
                current = Json.objectState(currentNode);
            } catch (RuntimeException e) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "refused: bad current state: " + e.getMessage());
            }
            if (!current.klass().equals(klass) || !current.id().equals(objectId) || current.destroyed()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "refused: current state of another object");
            }
            long limit = scriber.wallClock.millis() + scriber.maxClockSkew.toMillis();
            for (Stamp stamp : current.stamps().values()) {
                if (io.scribe.core.internal.Hlc.millis(stamp.clock()) > limit) {
                    throw new ScribeException(ScribeException.BAD_REQUEST, "refused: a stamp of the current state is"
                            + " more than " + scriber.maxClockSkew + " ahead of this peer's clock");
                }
            }
        }
        Key key = new Key(klass, objectId);
        JsonNode idNode = current != null ? current.fields().get(c.idField.name()) : idOf(scriber, key, c);
        if (idNode == null) {
            return;
        }
        Scribe asWrite = new Scribe(null, klass, Scribe.Type.UPDATE,
                Json.NODES.arrayNode().add(idNode).add(Json.object()), from.id(), clock, Map.of());
        if (!c.policy.accepts(asWrite, from.id())) {
            throw new ScribeException(ScribeException.FORBIDDEN, "refused: " + from.id() + " may not write " + key);
        }
        ObjectState held = scriber.live.state(key);
        if (held == null) {
            return;
        }
        Stamp refused = new Stamp(clock, scriber.guid);
        Txn tx = new Txn();
        if (type == Scribe.Type.DESTROY) {
            if (held.destroyed() && same(held.tombstone(), refused) && current != null) {
                revive(c, key, current, from, tx);
            }
        } else if (!held.destroyed()) {
            putBack(c, key, held, current, refused, from, scriber.live.object(key), tx);
        }
        if (!tx.isEmpty()) {
            scriber.commit(tx);
        }
    }

    private static JsonNode idOf(Scriber scriber, Key key, SyncedClass<?> c) {
        ObjectState held = scriber.live.state(key);
        return held == null ? null : held.fields().get(c.idField.name());
    }

    /** A refused destroy: the object comes back as the server holds it. */
    private static void revive(SyncedClass<?> c, Key key, ObjectState current, Client from, Txn tx) {
        tx.states.put(key, new ObjectState(c.klass, key.id(), current.fields().deepCopy(), current.stamps(), null));
        Object created = c.instantiate();
        Map<FieldModel, Object> values = new LinkedHashMap<>();
        for (FieldModel f : c.fields.values()) {
            JsonNode v = current.fields().get(f.name());
            if (v != null) {
                values.put(f, convert(c, f, v));
            }
        }
        tx.effect(() -> values.forEach((f, v) -> c.set(created, f, v)));
        tx.bind(key, created);
        Set<String> names = new LinkedHashSet<>();
        values.keySet().forEach(f -> names.add(f.name()));
        tx.change(new Change<>(Scribe.Type.CREATE, created, key.id(), names, from.id(), false));
    }

    /**
     * A refused create or update: each field still holding the refused write takes the server's value and stamp; an
     * object the server does not let this peer see, whose identity field still holds the refused create, goes.
     */
    private static void putBack(SyncedClass<?> c, Key key, ObjectState held, ObjectState current, Stamp refused,
            Client from, Object object, Txn tx) {
        if (current == null) {
            if (same(held.stamps().get(c.idField.name()), refused)) {
                ObjectNode fields = Json.object();
                fields.set(c.idField.name(), held.fields().get(c.idField.name()));
                tx.states.put(key, new ObjectState(c.klass, key.id(), fields, Map.of(), refused));
                tx.unbind(key);
                if (object != null) {
                    tx.change(new Change<>(Scribe.Type.DESTROY, object, key.id(), Set.of(), from.id(), false));
                }
            }
            return;
        }
        ObjectNode fields = held.fields().deepCopy();
        Map<String, Stamp> stamps = new HashMap<>(held.stamps());
        Map<FieldModel, Object> values = new LinkedHashMap<>();
        for (FieldModel f : c.fields.values()) {
            String name = f.name();
            if (c.policy.keyMerged().contains(name)) {
                // Key by key: only the keys the refused write still holds take the server's, later keys stay.
                JsonNode held0 = fields.get(name);
                ObjectNode merged = held0 != null && held0.isObject() ? (ObjectNode) held0.deepCopy() : Json.object();
                JsonNode theirs = current.fields().get(name);
                boolean changed = false;
                for (String stampName : new java.util.ArrayList<>(stamps.keySet())) {
                    if (!stampName.startsWith(name + "/") || !same(stamps.get(stampName), refused)) {
                        continue;
                    }
                    String k = stampName.substring(name.length() + 1);
                    JsonNode v = theirs != null && theirs.isObject() ? theirs.get(k) : null;
                    if (v == null || v.isNull()) {
                        merged.remove(k);
                    } else {
                        merged.set(k, v);
                    }
                    Stamp theirStamp = current.stamps().get(stampName);
                    if (theirStamp != null) {
                        stamps.put(stampName, theirStamp);
                    } else {
                        stamps.remove(stampName);
                    }
                    changed = true;
                }
                if (same(stamps.get(name), refused) && current.stamps().get(name) != null) {
                    stamps.put(name, current.stamps().get(name));
                }
                if (changed) {
                    fields.set(name, merged);
                    values.put(f, convert(c, f, merged));
                }
                continue;
            }
            if (!same(stamps.get(name), refused)) {
                continue;
            }
            stamps.remove(name);
            if (current.stamps().get(name) != null) {
                stamps.put(name, current.stamps().get(name));
            }
            JsonNode value = current.fields().get(name);
            if (value == null) {
                fields.remove(name);
            } else {
                fields.set(name, value);
                values.put(f, convert(c, f, value));
            }
        }
        if (values.isEmpty() && fields.equals(held.fields())) {
            return;
        }
        tx.states.put(key, new ObjectState(c.klass, key.id(), fields, stamps, null));
        if (object != null && !values.isEmpty()) {
            tx.effect(() -> values.forEach((f, v) -> c.set(object, f, v)));
            Set<String> names = new LinkedHashSet<>();
            values.keySet().forEach(f -> names.add(f.name()));
            tx.change(new Change<>(Scribe.Type.UPDATE, object, key.id(), names, from.id(), false));
        }
    }

    private static Object convert(SyncedClass<?> c, FieldModel f, JsonNode value) {
        try {
            return c.fromJson(f, value);
        } catch (RuntimeException e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "refused: current " + f.name() + " does not fit: "
                    + e.getMessage());
        }
    }

    private static boolean same(Stamp stamp, Stamp refused) {
        return stamp != null && stamp.clock() == refused.clock() && stamp.origin().equals(refused.origin());
    }

    private static String text(JsonNode message, String field) {
        JsonNode v = message.get(field);
        if (v == null || !v.isTextual()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "refused: " + field + " must be a string");
        }
        return v.asText();
    }
}
