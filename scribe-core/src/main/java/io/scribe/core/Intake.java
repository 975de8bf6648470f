package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.LogPosition;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's intake of the scribes its peer pushes ({@code add_scribe}): checks who may introduce them, queues them
 * for the {@link Player} (a Syncro peer's are played one at a time, each followed by the corrections Syncro needs),
 * and answers them, one by one or with one cumulative {@code ack} when the peer takes those; tells the peer of a
 * write of its that was refused for good ({@code refused}) and takes such a notice from its relay.
 */
final class Intake {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final Session session;
    private final Scriber scriber;
    private final Client client;
    private final SyncroPeer syncro;
    /** The cumulative ack owed to the peer for the pushes played. */
    final HeldAck acks;

    Intake(Session session) {
        this.session = session;
        this.scriber = session.scriber();
        this.client = session.client();
        this.syncro = session.syncro;
        this.acks = new HeldAck(session);
    }

    /**
     * Takes an {@code add_scribe}: on the Scribe wire the scribe is queued and played with the others of the read
     * (see {@link Player#playIncoming}); a Syncro peer's is played and stored at once, then corrected. A refused one
     * is answered with its error.
     */
    void addScribe(JsonNode id, JsonNode message) {
        Scribe scribe = credited(Json.scribe(message.get("scribe")));
        if (syncro == null) {
            // Queued, then played by whichever thread holds the lock next: scribes that arrive on several sessions
            // while a step is being stored are played and stored together (one store commit for the batch).
            // Syncro sessions play one scribe at a time (their corrections follow each one).
            scriber.incoming.add(new Scriber.Incoming(session, id, scribe, session.inbound.inboundBytes()));
            if (session.inbound.holdForBatch()) {
                return;
            }
        }
        scriber.lock.lock();
        try {
            if (syncro == null) {
                scriber.player.playIncoming();
                return;
            }
            Txn tx = new Txn();
            ScribeException refused = null;
            try {
                checkOrigin(scribe);
                Admission.check(scriber, session, scribe, session.inbound.inboundBytes());
                scriber.player.play(scribe, client, session, tx);
            } catch (ScribeException e) {
                if (e.code() >= ScribeException.INTERNAL) {
                    throw lost(e);
                }
                if (syncro != null && e.code() == ScribeException.NOT_FOUND) {
                    // A Syncro peer changed a record this peer does not hold yet: its create is in the peer's log
                    // (a push lost in a disconnect, or one crossing the catch-up). An error would make Syncro
                    // raise: the scribe is acknowledged, the cursor stays, and a catch-up from it fetches both.
                    scriber.report(new ScribeException(e.code(), "from " + client.id() + ": " + e.getMessage()
                            + "; catching up from the peer's log", e));
                    session.answers.respond(id, Json.NODES.booleanNode(true));
                    session.pages.notCaughtUp();
                    CompletableFuture<Void> running = session.catchUp();
                    if (running == null || running.isDone()) {
                        session.sync();
                    }
                    return;
                }
                // A deliberate refusal (4xx) is final: the scribe is not played again.
                refused = e;
                tx = new Txn();
            } catch (RuntimeException e) {
                throw lost(e);
            }
            List<ObjectNode> fixes = syncro == null || refused != null ? List.of()
                    : scribe.clock() == 0 ? syncro.played(List.of(scribe), tx, false)
                    : syncro.destroysFor(List.of(scribe), tx);
            if (session.isCaughtUp() && scribe.id() != null && refused == null) {
                // A pushed scribe moves the cursor only once the catch-up is done, or a disconnect in between
                // could skip the scribes of the unfinished pages; a refused one never does (whatever id it names):
                // the next catch-up passes it.
                if (syncro != null && (!fixes.isEmpty() || syncro.correcting > 0)) {
                    syncro.heldCursor = scribe.id();
                } else {
                    tx.cursor(client, scribe.id(), LogPosition.of(scribe));
                }
            }
            try {
                scriber.commit(tx);
            } catch (RuntimeException e) {
                throw lost(e);
            }
            if (refused != null) {
                throw refused;
            }
            session.answers.respond(id, Json.NODES.booleanNode(true));
            correct(fixes);
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * The largest batch a peer may push in one message, what this peer's {@code sync} states: no larger than the
     * size up to which {@link Admission} takes the message's size as a bound of each scribe's.
     */
    static final int MAX_BATCH_BYTES = (int) Admission.BOUND_BYTES;

    /**
     * The size of {@code add_scribes} this peer takes on {@code session}: at most {@link #MAX_BATCH_BYTES}, and small
     * enough that each scribe in it passes {@link Admission} without being measured again.
     */
    static int batchBytes(Scriber scriber, Session session) {
        long frame = Math.min(scriber.committer.frames.limit(), session.wire().maxFrameBytes());
        return (int) Math.max(0, Math.min(MAX_BATCH_BYTES, frame - Admission.ENVELOPE_BYTES));
    }

    /**
     * Takes an {@code add_scribes}: several pushes without request ids in one message, from a peer this one told (in
     * its {@code sync}) that it takes them. Each scribe is queued as an {@code add_scribe} without an id would be,
     * and played with the others of the read; one that cannot be read is answered with an error naming it (when its
     * id can be read) and the rest go on.
     *
     * @throws ScribeException 400 when the message carries a request id or no array of scribes, or comes from a
     *     Syncro peer
     */
    void addScribes(JsonNode id, JsonNode message) {
        if (syncro != null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "add_scribes is not part of the Syncro wire");
        }
        if (id != null && !id.isNull()) {
            throw new ScribeException(ScribeException.BAD_REQUEST,
                    "add_scribes carries no request id: its scribes are acknowledged cumulatively");
        }
        JsonNode scribes = message.get("scribes");
        if (scribes == null || !scribes.isArray()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "add_scribes needs scribes, an array");
        }
        long bytes = session.inbound.inboundBytes();
        boolean any = false;
        for (JsonNode json : scribes) {
            Scribe scribe;
            try {
                scribe = credited(Json.scribe(json));
            } catch (ScribeException e) {
                JsonNode scribeId = json.path("id");
                if (scribeId.isTextual()) {
                    session.answers.rejectedPush(scribeId.asText(), e);
                } else {
                    session.answers.rejected(null, e);
                }
                continue;
            }
            // The message's size bounds each scribe's, as does a bound Admission computes without writing it; a
            // scribe is measured exactly only when both are large (see Admission#check).
            scriber.incoming.add(new Scriber.Incoming(session, null, scribe, bytes));
            any = true;
        }
        if (any && !session.inbound.holdForBatch()) {
            scriber.player.playIncomingLocked();
        }
    }

    /**
     * Sends a Syncro peer, after its clockless scribes were played and committed, the values that won here where it
     * may hold others (see SyncroPeer); once it answered them all, its held-back cursor is stored. Caller holds the
     * engine lock.
     */
    void correct(List<ObjectNode> fixes) {
        if (fixes.isEmpty() || !session.isOpen()) {
            return;
        }
        if (!syncro.asked) {
            // Its cursor is not known yet, and a correction without it would reset the peer's cursor.
            syncro.waiting.addAll(fixes);
            return;
        }
        for (ObjectNode fix : fixes) {
            if (syncro.cursor != null) {
                fix.put("id", syncro.cursor);
            } else {
                fix.remove("id");
            }
            log.debug("session {}: sending the values held here: {}", client.id(), fix);
            ObjectNode message = Json.object().put("type", "add_scribe");
            message.set("scribe", fix);
            syncro.correcting++;
            Key key = syncro.keyOf(fix);
            java.util.Set<String> fields = new java.util.HashSet<>();
            fix.path("data").path(1).fieldNames().forEachRemaining(fields::add);
            session.enqueueRequest(message).whenComplete((r, e) -> {
                scriber.lock.lock();
                try {
                    if (e != null) {
                        // The session closed first: the cursor stays held back, and the correction is sent again
                        // once the next session to this client has caught up.
                        if (key != null) {
                            client.owe(key, fields);
                        }
                        return;
                    }
                    if (--syncro.correcting == 0 && syncro.heldCursor != null && session.isOpen()) {
                        Txn tx = new Txn();
                        tx.cursors().put(client.id(), syncro.heldCursor);
                        syncro.heldCursor = null;
                        scriber.commit(tx);
                    }
                } finally {
                    scriber.lock.unlock();
                }
            });
            syncro.sent(fix, message.path("id").asInt());
        }
    }

    /** The peer refused a write of ours for good: see {@link Refusals}. */
    void refused(JsonNode id, JsonNode message) {
        if (!session.isTrustedRelay()) {
            // Only the peer this one syncs through (its server, which it trusts as a relay) may undo its writes.
            throw new ScribeException(ScribeException.FORBIDDEN, "refused: only a peer trusted as a relay may send it");
        }
        scriber.lock.lock();
        try {
            Refusals.undo(scriber, client, message);
        } finally {
            scriber.lock.unlock();
        }
        session.answers.respond(id, Json.NODES.booleanNode(true));
        if (message.path("answered").isBoolean() && !message.path("answered").asBoolean()) {
            // Refused in the server's catch-up of this peer's log (a write made offline): no error answered it, and
            // the application is told here, as it is of a push refused.
            int code = message.path("code").asInt(ScribeException.FORBIDDEN);
            scriber.report(new ScribeException(code >= 400 && code < 600 ? code : ScribeException.FORBIDDEN,
                    client.id() + " refused this peer's " + message.path("write").asText() + " of "
                            + message.path("klass").asText() + " " + message.path("object").asText()
                            + ", sent from its log: " + message.path("message").asText()));
        }
    }

    /**
     * Tells the peer that this peer refused its own write {@code scribe} for good, with this peer's state of the
     * object, when {@link Refusals} says one is due. Caller holds the engine lock.
     */
    void tellRefused(Scribe scribe, ScribeException error) {
        tellRefused(scribe, error, true);
    }

    /**
     * {@link #tellRefused(Scribe, ScribeException)}; {@code answered}: whether the peer was answered the error too
     * (a push), or hears of the refusal only from this notice (met in this peer's catch-up of its log).
     */
    void tellRefused(Scribe scribe, ScribeException error, boolean answered) {
        ObjectNode notice = scribe == null || error == null ? null : Refusals.notice(scriber, session, scribe, error);
        if (notice == null || !session.isOpen()) {
            return;
        }
        if (!answered) {
            notice.put("answered", false);
        }
        session.enqueueRequest(notice).whenComplete((r, e) -> {
            if (e != null) {
                log.debug("session {}: refusal notice not taken: {}", client.id(), e.toString());
            }
        });
    }

    /** Refuses a pushed scribe this session may not introduce, or that its class or a store cannot take. */
    void admit(Scribe scribe, long frameBytes) {
        checkOrigin(scribe);
        Admission.check(scriber, session, scribe, frameBytes);
    }

    /**
     * Answers a pushed scribe this peer played (or refused). A push with a request id is answered by that id. One
     * without (the peer pushes so once this peer's {@code sync} said it acknowledges cumulatively) is not answered by
     * itself when played: {@link HeldAck#send} answers every push played up to the last one with one {@code ack} carrying
     * that scribe's id (a position of the peer's log); a refused one is answered at once with an {@code error} naming
     * the scribe, before the ack that passes it. Caller holds the engine lock.
     */
    void answer(JsonNode id, ScribeException refused, Scribe scribe) {
        if ((id != null && !id.isNull()) || scribe.id() == null) {
            if (refused != null) {
                session.answers.rejected(id, refused);
            } else {
                session.answers.respond(id, Json.NODES.booleanNode(true));
            }
        } else if (refused != null) {
            session.answers.rejectedPush(scribe.id(), refused);
        } else {
            acks.played(scribe.id());
        }
    }

    /**
     * The pusher stated its window, and perhaps how long this peer may hold its acks ({@code ackDelay}, null when
     * absent), in its answer to this peer's {@code sync}. Caller holds the engine lock.
     */
    void peerWindow(int scribes, JsonNode ackDelay) {
        acks.peerWindow(scribes, ackDelay);
    }

    /** The peer's cumulative acknowledgement of our pushes: see {@link Pusher#acknowledged}. */
    void ack(JsonNode message) {
        JsonNode upTo = message.get("up_to");
        long position;
        try {
            position = upTo != null && upTo.isTextual() ? Long.parseLong(upTo.asText()) : -1;
        } catch (NumberFormatException e) {
            position = -1;
        }
        ack(position);
    }

    /** An ack of every push up to {@code position}; a position below 1 is refused (400). */
    void ack(long position) {
        if (position <= 0) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "ack needs up_to, the id of a scribe pushed");
        }
        session.pusher.acknowledged(position);
    }

    /**
     * A pushed scribe could not be played or stored (the store failed, a policy threw): later pushes must not move
     * the cursor past it, so pushes stop moving the cursor and a new catch-up from the stored cursor fetches it
     * again a moment later.
     */
    RuntimeException lost(RuntimeException cause) {
        session.pages.notCaughtUp();
        session.pages.retry(null);
        return cause instanceof ScribeException se ? se
                : new ScribeException(ScribeException.INTERNAL, "scribe from " + client.id() + " not stored: " + cause,
                        cause);
    }

    /**
     * In Syncro mode a peer sends no hello: it is named here (one client per connection unless the application names
     * it), so an origin it puts on a scribe (a Scribe peer speaking Syncro's protocol does) cannot be checked against
     * its name. Unless the session is a trusted relay, such a scribe is credited to this session's client, as a
     * Syncro peer's scribes, which carry no origin, are. Other sessions' scribes are returned as they are.
     */
    Scribe credited(Scribe scribe) {
        if (syncro == null || scribe.origin() == null || scribe.origin().equals(client.id())
                || session.isTrustedRelay()) {
            return scribe;
        }
        return new Scribe(scribe.id(), scribe.klass(), scribe.type(), scribe.data(), null, scribe.clock(),
                scribe.base());
    }

    /**
     * The identity check every incoming scribe passes before it is played: its origin must be this session's
     * client unless the peer is a trusted relay; 403 otherwise.
     */
    void checkOrigin(Scribe scribe) {
        String origin = scribe.origin();
        if (origin == null || origin.equals(client.id()) || session.isTrustedRelay()) {
            return;
        }
        throw new ScribeException(ScribeException.FORBIDDEN, "scribe " + scribe.id() + " names origin " + origin
                + " but comes from " + client.id() + ", which is not a trusted relay; refused");
    }
}
