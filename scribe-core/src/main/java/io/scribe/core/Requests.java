package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.SyncPage;
import io.scribe.core.spi.MessageHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a session does with the peer's messages other than pushed scribes: {@code sync} (a page of this log, or the
 * whole answer a Syncro peer expects), {@code rpc}, {@code noop} (with the cursor it may carry), the answers to this
 * session's own requests ({@code response}, {@code error}), the authentication message before anything else, and
 * the application's extension messages. Each handler runs on the session's reading thread, in message order; one
 * that throws a {@link ScribeException} is answered with that error.
 */
final class Requests {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final Session session;
    private final Scriber scriber;
    private final Client client;
    private final SyncroPeer syncro;

    Requests(Session session) {
        this.session = session;
        this.scriber = session.scriber();
        this.client = session.client();
        this.syncro = session.syncro;
    }

    /**
     * Answers {@code sync}. A Syncro peer is answered once this session's own catch-up from it is done (its history
     * tells what it holds), and one that asks from the start while this peer holds a cursor in its log started
     * afresh: its log is read again first. A Scribe peer whose {@code sync} says {@code acks: "cumulative"} is
     * pushed to without request ids from then on (see {@link Pusher#peerAcksCumulative}), several in one message
     * when it also says how large a batch it takes ({@code batches}, see {@link Outbox#peerTakesBatches}). A Scribe
     * peer that says how large a frame it reads ({@code frame}) is sent none larger ({@link Outbox#peerTakesFrames});
     * when it is the peer this one relays through (marked by {@link Session#trustAsRelay}), local writes are held to it
     * too.
     */
    void sync(JsonNode id, JsonNode message) {
        JsonNode frame = message.get("frame");
        if (syncro == null && frame != null && frame.canConvertToInt() && frame.asInt() > 0) {
            session.outbox.peerTakesFrames(frame.asInt());
            if (session.relaysThrough()) {
                // The peer this one relays through (its server): what it cannot read could reach no other peer. Not a
                // peer merely trusted by the trustRelays rule (another node connected here): its frame bounds what it
                // is sent, not what this peer records and relays to the others.
                if (scriber.committer.frames.note(frame.asInt())) {
                    // Kept, so that writes made offline after a restart are held to it too.
                    Txn tx = new Txn();
                    tx.cursors().put(FrameLimit.KEY, Integer.toString(frame.asInt()));
                    scriber.lock.lock();
                    try {
                        scriber.commit(tx);
                    } finally {
                        scriber.lock.unlock();
                    }
                }
            }
        }
        if (syncro == null && "cumulative".equals(message.path("acks").asText())) {
            session.pusher.peerAcksCumulative();
            JsonNode batches = message.get("batches");
            if (batches != null && batches.canConvertToInt() && batches.asInt() > 0) {
                session.outbox.peerTakesBatches(batches.asInt());
            }
        }
        if (syncro != null) {
            JsonNode from = message.get("from");
            boolean fromStart = from == null || from.isNull() || (from.isTextual() && from.asText().isEmpty());
            boolean restarted = fromStart && client.cursor().filter(c -> !c.isEmpty()).isPresent();
            CompletableFuture<Void> reread = restarted ? forgetPeerLog() : null;
            boolean own = fromStart;
            scriber.lock.lock();
            try {
                if (!syncro.asked) {
                    syncro.asked = true;
                    syncro.cursor = fromStart ? null : from.asText();
                }
            } finally {
                scriber.lock.unlock();
            }
            // A Syncro peer's answer to our own sync is its history: knowing it first, the answer here leaves out
            // what the peer destroyed itself. Scribe peers in Syncro mode say "clocked" and are answered at once
            // (they wait for their own catch-up in the same way otherwise).
            // A peer that started afresh is answered once its log was read again from the start.
            CompletableFuture<Void> running = reread != null ? reread : session.catchUp();
            if (!message.path("clocked").asBoolean(false) && running != null && !running.isDone()) {
                running.whenComplete((v, e) -> {
                    if (session.isOpen()) {
                        answerSync(id, message, own);
                        scriber.flush();
                    }
                });
                return;
            }
            answerSync(id, message, own);
            return;
        }
        answerSync(id, message, false);
    }

    /**
     * A Syncro peer asked for this log from its start while this peer holds a cursor in the peer's log: the peer
     * started afresh, so that cursor points into a log that is gone, or it never got a cursor here (Syncro takes one
     * only from an answer or a scribe it plays) and still holds what it created. Either way the cursor is forgotten
     * and the peer's log read from its start. Returns the catch-up that reads it, or null when this session never
     * started one: the peer is answered after it, since its history tells which records it holds.
     */
    private CompletableFuture<Void> forgetPeerLog() {
        log.info("session {}: the peer asks for everything from the start; its log is read again from its start",
                client.id());
        forgetPeerCursor();
        CompletableFuture<Void> running = session.catchUp();
        if (running == null) {
            return null;
        }
        if (running.isDone()) {
            return session.sync();
        }
        // The catch-up under way may store a cursor in the peer's log (it read the log the peer still has, when it
        // only lost its own cursor): it is forgotten again before the log is read from its start.
        return running.handle((v, e) -> {
            if (!session.isOpen()) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            forgetPeerCursor();
            return session.sync();
        }).thenCompose(f -> f);
    }

    private void forgetPeerCursor() {
        scriber.lock.lock();
        try {
            syncro.heldCursor = null;
            Txn tx = new Txn();
            tx.cursors().put(client.id(), "");
            scriber.commit(tx);
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * Answers {@code sync}: a page of this log on the Scribe wire ({@link PageAnswer}), the whole answer a Syncro peer
     * expects on its wire ({@link SyncroAnswer}). {@code own}: see {@link SyncroAnswer#answer}.
     */
    private void answerSync(JsonNode id, JsonNode message, boolean own) {
        if (syncro == null) {
            new PageAnswer(session).answer(id, message);
        } else {
            new SyncroAnswer(session).answer(id, message, own);
        }
    }

    /**
     * Answers a {@code noop}. One that carries a {@code cursor} comes after every push the peer queued up to that
     * position of its log (see {@link Pusher#confirmPushed}): once this session's catch-up is done (so nothing before
     * it is missing here) and every push was stored, that position becomes the peer's cursor if it is further on.
     */
    void noop(JsonNode id, JsonNode message) {
        JsonNode cursor = message.get("cursor");
        if (cursor != null && cursor.isTextual() && syncro == null && session.isCaughtUp() && !session.isExchange()) {
            scriber.lock.lock();
            try {
                long at = Long.parseLong(cursor.asText());
                long held = client.cursor().map(Acknowledged::parse).orElse(0L);
                if (session.isCaughtUp() && at > held) {
                    Txn tx = new Txn();
                    tx.cursor(client, Long.toString(at));
                    scriber.commit(tx);
                }
            } catch (NumberFormatException e) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "noop cursor must be a log position");
            } finally {
                scriber.lock.unlock();
            }
        }
        session.answers.respond(id, Json.NODES.booleanNode(true));
    }

    /** Calls the {@link io.scribe.annotations.Rpc} method the peer names, or Syncro's {@code last_scribe_id}. */
    void rpc(JsonNode id, JsonNode message) {
        String klass = message.path("klass").asText(null);
        String method = message.path("method").asText(null);
        if (klass == null || method == null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "rpc needs klass and method");
        }
        if (Scriber.SYNCRO_RPC_KLASS.equals(klass)) {
            if (!"last_scribe_id".equals(method)) {
                throw new ScribeException(ScribeException.NOT_ALLOWED, "method not exposed: " + klass + "." + method);
            }
            long last = scriber.store.lastId();
            session.answers.respond(id, last == 0 ? Json.NODES.nullNode() : Json.NODES.textNode(Long.toString(last)));
            return;
        }
        SyncedClass<?> c = scriber.classes.byKlass(klass);
        if (c == null) {
            throw new ScribeException(ScribeException.NOT_FOUND, "unknown class: " + klass);
        }
        Method m = c.rpcs.get(method);
        if (m == null) {
            throw new ScribeException(ScribeException.NOT_ALLOWED, "method not exposed: " + klass + "." + method);
        }
        JsonNode args = message.path("args");
        int count = args.isArray() ? args.size() : 0;
        if (count != m.getParameterCount()) {
            throw new ScribeException(ScribeException.BAD_REQUEST,
                    klass + "." + method + " takes " + m.getParameterCount() + " arguments, got " + count);
        }
        Object[] values = new Object[count];
        for (int i = 0; i < count; i++) {
            try {
                values[i] = scriber.valueMapper.treeToValue(args.get(i),
                        Json.MAPPER.getTypeFactory().constructType(m.getGenericParameterTypes()[i]));
            } catch (Exception e) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "argument " + i + " of " + klass + "."
                        + method + " does not fit: " + e.getMessage(), e);
            }
        }
        Object result;
        try {
            result = m.invoke(null, values);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ScribeException se) {
                throw se;
            }
            throw new ScribeException(ScribeException.INTERNAL, klass + "." + method + " failed: " + cause, cause);
        } catch (IllegalAccessException e) {
            throw new ScribeException(ScribeException.INTERNAL, "cannot call " + klass + "." + method, e);
        }
        session.answers.respond(id, scriber.valueMapper.valueToTree(result));
    }

    /** Completes the request the peer answered. */
    void response(JsonNode id, JsonNode message) {
        PendingRequests.Pending p = id != null && id.canConvertToInt() ? session.outbox.pending.answered(id.asInt()) : null;
        if (p == null) {
            log.debug("session {}: response to no pending request ignored: {}", client.id(), message);
            return;
        }
        confirmed(id);
        p.complete(message);
    }

    /**
     * Completes the page request the peer answered with {@code page}, read from its frame (see {@link SyncPage#read}),
     * as {@link #response} does with the answer parsed as a tree; false, doing nothing, when no page request waits
     * for {@code id}: the answer is then parsed and handled as any.
     */
    boolean page(JsonNode id, SyncPage page) {
        return page(id, page, null);
    }

    /**
     * As {@link #page(JsonNode, SyncPage)}, the waiting request completed on {@code player}'s thread (see {@link
     * PagePlayer}) when it is not null.
     */
    boolean page(JsonNode id, SyncPage page, PagePlayer player) {
        CompletableFuture<SyncPage> p = id.canConvertToInt() ? session.outbox.pending.answeredPage(id.asInt()) : null;
        if (p == null) {
            return false;
        }
        confirmed(id);
        if (player != null) {
            player.hand(() -> p.complete(page));
        } else {
            p.complete(page);
        }
        return true;
    }

    /** A Syncro peer answered request {@code id}. */
    private void confirmed(JsonNode id) {
        if (syncro != null) {
            scriber.lock.lock();
            try {
                syncro.confirm(id.asInt());
            } finally {
                scriber.lock.unlock();
            }
        }
    }

    /** An {@code error} naming the scribe of a push without a request id: fails that push, if one waits. */
    private boolean refusedPush(String scribeId, ScribeException e) {
        try {
            return session.pusher.refused(Long.parseLong(scribeId), e);
        } catch (NumberFormatException notAPosition) {
            return false;
        }
    }

    /**
     * Fails the request the peer refused. An error that answers none is reported, never answered; a 409 without an id
     * is the peer refusing this session (it still holds this client's previous one), which closes it.
     */
    void error(JsonNode id, JsonNode message) {
        int code = message.path("code").asInt(ScribeException.INTERNAL);
        String text = message.path("message").asText("error " + code);
        ScribeException e = new ScribeException(code, client.id() + " answered: " + text);
        PendingRequests.Pending p = id != null && id.canConvertToInt() ? session.outbox.pending.answered(id.asInt()) : null;
        if (p == null && (id == null || id.isNull()) && message.path("scribe").isTextual()
                && refusedPush(message.get("scribe").asText(), e)) {
            return;
        }
        if (p == null && code == ScribeException.CONFLICT && (id == null || id.isNull())) {
            // The peer refused this session: it still holds this client's previous connection (a reconnect that
            // came before the peer noticed the drop). A status change; the transport connects again.
            log.info("session {}: {}", client.id(), e.getMessage());
            session.disconnectBecause(e);
            return;
        }
        if (p == null) {
            // Never answered: two peers must not bounce errors at each other.
            scriber.report(e);
            return;
        }
        p.fail(e);
    }

    /** Handles a message before authentication: the authentication message, or a refusal. */
    void gate(String type, JsonNode id, JsonNode message) {
        if (type.equals("response") || type.equals("error") || type.equals("ack")) {
            scriber.report(new ScribeException(ScribeException.UNAUTHENTICATED,
                    "from " + client.id() + ": " + type + " before authentication ignored"));
            return;
        }
        if (!type.equals(scriber.authType)) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED,
                    "not authenticated: send " + scriber.authType + " first");
        }
        String who;
        try {
            who = scriber.authenticator.authenticate(session, message);
        } catch (ScribeException e) {
            throw e;
        } catch (Exception e) {
            throw new ScribeException(ScribeException.INTERNAL, "authenticator failed: " + e, e);
        }
        if (who == null) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "authentication refused");
        }
        session.authenticated(who);
        // The client proved who it is: its older sessions (half-open ones a reconnect left behind) give way. Only
        // an authenticated session may do this, so a stranger naming a client's GUID cannot cut it off.
        for (Session older : session.isExchange() ? List.<Session>of() : client.sessions()) {
            if (older != session) {
                older.disconnect();
            }
        }
        session.answers.respond(id, Json.object().put("principal", who));
        session.pages.startDeferred();
    }

    /** Hands a message of another type to the application's handler for it; 400 when there is none. */
    void extension(String type, JsonNode id, JsonNode message) {
        MessageHandler handler = scriber.handlers.get(type);
        if (handler == null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "unknown message type: " + type);
        }
        JsonNode result;
        try {
            result = handler.handle(session, message);
        } catch (ScribeException e) {
            throw e;
        } catch (Exception e) {
            throw new ScribeException(ScribeException.INTERNAL, "handler for " + type + " failed: " + e, e);
        }
        if (result != null) {
            session.answers.respond(id, result);
        }
    }
}
