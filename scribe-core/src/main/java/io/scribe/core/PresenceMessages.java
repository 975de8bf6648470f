package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code presence} message on the wire for {@link Presence}: reading and checking one, building one, and whether
 * a session's client may be sent one (the recipients rule of the object it is about).
 */
final class PresenceMessages {

    private static final Logger log = LoggerFactory.getLogger(Presence.class);

    private PresenceMessages() {
    }

    /** The state and topic of a {@code presence} message, checked. */
    record Read(JsonNode state, String klass, String id) {

        /** The state, or null when the session left. */
        JsonNode stateOrNull() {
            return state.isNull() ? null : state;
        }
    }

    /**
     * Reads a received {@code presence} message.
     *
     * @throws ScribeException 400 without a state or with a topic missing its klass or id, 413 for a state over
     *     {@link Presence#MAX_STATE_BYTES} encoded
     */
    static Read read(JsonNode message) {
        JsonNode state = message.get("state");
        if (state == null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "presence needs a state (null to leave)");
        }
        if (Json.bytes(state).length > Presence.MAX_STATE_BYTES) {
            throw new ScribeException(ScribeException.TOO_LARGE,
                    "presence state over " + Presence.MAX_STATE_BYTES + " bytes");
        }
        JsonNode topic = message.get("topic");
        String klass = topic == null || topic.isNull() ? null : topic.path("klass").asText(null);
        String id = topic == null || topic.isNull() ? null : topic.path("id").asText(null);
        if (topic != null && !topic.isNull() && (klass == null || id == null)) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "presence topic needs klass and id");
        }
        return new Read(state, klass, id);
    }

    /** A {@code presence} message of {@code client}'s session {@code session}; a null state is a goodbye. */
    static ObjectNode message(String client, String session, String klass, String id, JsonNode state) {
        ObjectNode m = Json.object().put("type", Presence.TYPE).put("client", client).put("session", session);
        if (klass != null) {
            m.putObject("topic").put("klass", klass).put("id", id);
        }
        m.set("state", state == null ? Json.NODES.nullNode() : state);
        return m;
    }

    /** The presence a message built by {@link #message} carries. */
    static Presence.Peer toPeer(ObjectNode m) {
        JsonNode topic = m.get("topic");
        JsonNode state = m.get("state");
        return new Presence.Peer(m.path("client").asText(), m.path("session").asText(),
                topic == null ? null : topic.path("klass").asText(), topic == null ? null : topic.path("id").asText(),
                state == null || state.isNull() ? null : state);
    }

    /** Whether {@code to}'s client may see the object {@code message} is about (anyone, when about none). */
    static boolean mayRelay(Scriber s, ObjectNode message, Session to) {
        JsonNode topic = message.get("topic");
        if (topic == null) {
            return true;
        }
        SyncedClass<?> c = s.classes.byKlass(topic.path("klass").asText());
        if (c == null) {
            return false;
        }
        s.lock.lock();
        try {
            Object subject = s.live.object(new Key(c.klass, topic.path("id").asText()));
            if (subject == null) {
                return false;
            }
            return s.relay.allowed(c, subject, null, to.client().id());
        } catch (RuntimeException e) {
            log.warn("presence: recipients rule of {} failed for {}; not relayed", c.klass, to.client().id(), e);
            return false;
        } finally {
            s.lock.unlock();
        }
    }
}
