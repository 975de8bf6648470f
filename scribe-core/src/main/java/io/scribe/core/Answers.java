package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;

/**
 * What one session answers its peer: the response to a request, and the error for a message or a push that could not
 * be handled (reported here too), queued on the session's {@link Outbox} in order with everything else it sends.
 * Thread-safe, as the outbox is.
 */
final class Answers {

    private final Session session;
    private final Scriber scriber;
    private final Outbox outbox;
    private final Wire wire;

    Answers(Session session, Outbox outbox, Wire wire) {
        this.session = session;
        this.scriber = session.scriber();
        this.outbox = outbox;
        this.wire = wire;
    }

    /**
     * Answers a message that could not be handled. Syncro peers raise on {@code error}, so in Syncro mode only the
     * answers Syncro itself gives to a request (403, 404, 405 with an id) are sent; the rest is reported locally.
     */
    void rejected(JsonNode id, ScribeException e) {
        scriber.metrics.refused(session.client().id(), e.code());
        scriber.report(new ScribeException(e.code(), "from " + session.client().id() + ": " + e.getMessage(), e));
        int code = e.code();
        boolean syncroAnswers = id != null && (code == 403 || code == 404 || code == 405);
        if (wire.isSyncro() && !syncroAnswers) {
            return;
        }
        ObjectNode error = Json.object().put("type", "error");
        if (id != null) {
            error.set("id", id);
        }
        error.put("code", code);
        error.put("message", e.getMessage());
        outbox.add(error);
    }

    /**
     * Answers a push without a request id that could not be played with an {@code error} naming its scribe ({@code
     * scribe}: its id, a position of the peer's log), on the Scribe wire; reported as {@link #rejected} does.
     */
    void rejectedPush(String scribeId, ScribeException e) {
        scriber.metrics.refused(session.client().id(), e.code());
        scriber.report(new ScribeException(e.code(), "from " + session.client().id() + ": " + e.getMessage(), e));
        outbox.add(Json.object().put("type", "error").put("scribe", scribeId).put("code", e.code())
                .put("message", e.getMessage()));
    }

    /** Answers request {@code id} with {@code result}. */
    void respond(JsonNode id, JsonNode result) {
        ObjectNode response = Json.object().put("type", "response");
        if (id != null) {
            response.set("id", id);
        }
        response.set("result", result);
        outbox.add(response);
    }
}
