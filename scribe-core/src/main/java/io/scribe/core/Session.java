package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.FrameDecoder;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Connection;
import io.scribe.core.spi.MessageHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live connection to one {@link Client}. Feed it what the transport receives ({@link #receiveData} for a
 * length-prefixed byte stream, {@link #receiveMessage} for a message transport); it answers through the {@link
 * Connection} it was given.
 *
 * <p>After {@link Client#connect} nothing is sent until {@link #sync()} starts the catch-up. Each side of a
 * connection normally calls {@code sync()} once; the peer's changes that arrive while a catch-up is running are
 * applied at once, and this peer's new scribes are pushed to the peer as soon as the peer's own catch-up from here
 * has reached the end of the log.
 *
 * <p>Thread-safe. Inbound data must be fed from one thread at a time (transports do); a malformed or refused message
 * is answered with {@code error} and the session keeps working.
 */
public final class Session {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    static final Set<String> CORE_TYPES =
            Set.of("sync", "add_scribe", "rpc", "response", "error", "noop", "ack", Refusals.TYPE);

    private final Scriber scriber;

    Scriber scriber() {
        return scriber;
    }
    private final Client client;
    private final Connection connection;
    private final Wire wire;
    private final FrameDecoder decoder;
    private final FrameDecoder.Sink sink = new FrameDecoder.Sink() {
        @Override
        public void frame(byte[] buf, int offset, int length) {
            if (!open) {
                return;
            }
            inboundBytes = length;
            JsonNode message;
            try {
                message = Json.parse(buf, offset, length);
            } catch (ScribeException e) {
                if (wire.isSyncro()) {
                    // Syncro's 2-byte prefix wraps past 65,535 bytes: after a frame that is not JSON the stream is
                    // out of step, and every later frame would be misread. Closing makes the peer reconnect and
                    // catch up from its cursor.
                    log.warn("session {}: closing, a frame of {} bytes is not JSON ({}): the stream is out of step"
                            + " (a Syncro peer's message over 65,535 bytes wraps its length prefix)",
                            client.id(), length, e.getMessage());
                    scriber.report(new ScribeException(ScribeException.BAD_REQUEST, "from " + client.id()
                            + ": frame of " + length + " bytes is not JSON; session closed, out of step", e));
                    scriber.flush();
                    disconnect();
                    return;
                }
                playQueued();
                rejected(null, e);
                return;
            }
            dispatch(message);
        }

        @Override
        public void tooLarge(long length) {
            playQueued();
            rejected(null, new ScribeException(ScribeException.TOO_LARGE,
                    "frame of " + length + " bytes exceeds the maximum of " + wire.maxFrameBytes() + "; skipped"));
        }
    };

    private final Outbox outbox;
    private volatile boolean open = true;
    private volatile boolean pushing;
    private volatile boolean caughtUp;
    private volatile CompletableFuture<Void> catchUp;
    private volatile String principal;
    private volatile boolean trustedRelay;
    // Opened by Client.exchange for one request: not one of the client's connections.
    private volatile boolean exchange;
    // The peer's sync and rpc requests: the work one request causes is bounded by the page size, their number by this.
    private final io.scribe.core.internal.RequestRate rate;
    // The size of the message being handled (an upper bound); inbound data comes from one thread at a time.
    private long inboundBytes;
    // A catch-up asked for before authentication; started once the peer has authenticated.
    private volatile CompletableFuture<Void> deferredSync;
    /** In Syncro mode, what makes the peer converge (see SyncroPeer); null otherwise. */
    final SyncroPeer syncro;
    private final Pusher pusher;
    private final CatchUp pages;
    private final StatusBoard status;
    // Why the session closed, when it closed for a reason (see disconnectBecause).
    private volatile Throwable closeCause;

    Session(Scriber scriber, Client client, Connection connection, Wire wire) {
        this.scriber = scriber;
        this.client = client;
        this.connection = connection;
        this.wire = wire;
        this.outbox = new Outbox(this, connection, wire);
        this.decoder = new FrameDecoder(wire.framing().prefixBytes(), wire.maxFrameBytes());
        this.rate = new io.scribe.core.internal.RequestRate(scriber.requestRate, scriber.requestBurst, System::nanoTime);
        this.syncro = wire.isSyncro() ? new SyncroPeer(scriber, client.id()) : null;
        this.status = new StatusBoard(client.id(), scriber.statusListener);
        this.pusher = new Pusher(this);
        this.pages = new CatchUp(this);
    }

    /**
     * Where the session stands: {@link ConnectionStatus.State#CONNECTING} until {@link #sync()} starts the
     * catch-up, {@link ConnectionStatus.State#CATCHING_UP} until it has read the peer's log to the end, then
     * {@link ConnectionStatus.State#ONLINE}; {@link ConnectionStatus.State#OFFLINE} once closed.
     */
    public ConnectionStatus status() {
        return status.current();
    }

    /**
     * Tells {@code listener} of every later status change of this session, in order (the Scriber's own status
     * listener, {@code Scriber.Builder.onStatus}, hears of every session's).
     */
    public void onStatus(ConnectionStatus.Listener listener) {
        status.listen(java.util.Objects.requireNonNull(listener, "listener"));
    }

    /** The client at the other end. */
    public Client client() {
        return client;
    }

    /** The wire this session speaks. */
    public Wire wire() {
        return wire;
    }

    /** Whether the session is connected. */
    public boolean isOpen() {
        return open;
    }

    /**
     * The catch-up most recently started by {@link #sync()}, or null before the first; completes when it has reached
     * the end of the peer's log.
     */
    public CompletableFuture<Void> catchUp() {
        return catchUp;
    }

    /**
     * The principal the peer authenticated as (see {@code Scriber.Builder.authenticate}); empty before it did, and
     * always empty when the Scriber requires no authentication.
     */
    public java.util.Optional<String> principal() {
        return java.util.Optional.ofNullable(principal);
    }

    /**
     * Marks the peer as a trusted relay: from now on it may forward scribes whose origin is another peer (a server
     * this peer connected to, another server node). Without it, a session introduces only scribes whose origin is
     * its own client (or that carry no origin, which are then attributed to that client); any other is refused with
     * error 403. See also {@code Scriber.Builder.trustRelays}.
     */
    public void trustAsRelay() {
        trustedRelay = true;
        // A peer this one relays through (its server) holds this peer's unsent changes back from compaction for
        // as long as it takes to come back.
        client.acknowledged.markUpstream();
    }

    /**
     * Whether the peer may forward scribes of other origins: marked by {@link #trustAsRelay()}, or accepted by the
     * Scriber's {@code trustRelays} rule (asked again each time, so a rule may depend on {@link #principal()}).
     */
    public boolean isTrustedRelay() {
        if (trustedRelay) {
            return true;
        }
        try {
            return scriber.relayRule.test(this);
        } catch (RuntimeException e) {
            log.warn("session {}: trusted relay rule failed; not trusted", client.id(), e);
            return false;
        }
    }

    /**
     * The identity check every incoming scribe passes before it is played: its origin must be this session's
     * client unless the peer is a trusted relay.
     */
    /**
     * In Syncro mode a peer sends no hello: it is named here (one client per connection unless the application names
     * it), so an origin it puts on a scribe (a Scribe peer speaking Syncro's protocol does) cannot be checked against
     * its name. Unless the session is a trusted relay, such a scribe is credited to this session's client, as a
     * Syncro peer's scribes, which carry no origin, are. Other sessions' scribes are returned as they are.
     */
    Scribe credited(Scribe scribe) {
        if (syncro == null || scribe.origin() == null || scribe.origin().equals(client.id()) || isTrustedRelay()) {
            return scribe;
        }
        return new Scribe(scribe.id(), scribe.klass(), scribe.type(), scribe.data(), null, scribe.clock(),
                scribe.base());
    }

    void checkOrigin(Scribe scribe) {
        String origin = scribe.origin();
        if (origin == null || origin.equals(client.id()) || isTrustedRelay()) {
            return;
        }
        throw new ScribeException(ScribeException.FORBIDDEN, "scribe " + scribe.id() + " names origin " + origin
                + " but comes from " + client.id() + ", which is not a trusted relay; refused");
    }

    /** Marks a session opened by {@link Client#exchange}; its pushed scribes move the cursor at once. */
    void markExchange() {
        exchange = true;
        caughtUp = true;
    }

    /** Whether this session serves one request/answer exchange ({@link Client#exchange}), not a connection. */
    public boolean isExchange() {
        return exchange;
    }

    /** Whether the catch-up started by {@link #sync()} has reached the end of the peer's log. */
    public boolean isCaughtUp() {
        return caughtUp;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Inbound

    /**
     * Feeds bytes read from a length-prefixed stream. Reads may split frames or hold several; each complete frame is
     * handled before this returns. Data arriving after {@link #disconnect()} is ignored.
     */
    public void receiveData(byte[] data) {
        receiveData(data, 0, data.length);
    }

    /** Feeds {@code data[offset, offset+length)}; see {@link #receiveData(byte[])}. */
    public void receiveData(byte[] data, int offset, int length) {
        if (!open) {
            log.debug("session {}: {} bytes after disconnect ignored", client.id(), length);
            return;
        }
        scriber.metrics.bytesIn(client.id(), length);
        synchronized (decoder) {
            // The add_scribe frames of one read are played together, with one store commit (see playQueued).
            batching = true;
            try {
                decoder.feed(data, offset, length, sink);
            } finally {
                batching = false;
                playQueued();
            }
        }
        scriber.flush();
    }

    // Whether the peer takes one ack for many pushes (volatile: set on the reading thread, read under the engine
    // lock), and the last push played since the last ack (guarded by the engine lock).
    private volatile boolean acksCumulative;
    private int ackUpTo;

    // Inside receiveData: pushed scribes are queued and played at the end of the read, or before the next message
    // of another type, so that answers and effects keep the order of the messages. Guarded by the decoder.
    private boolean batching;
    private boolean queued;

    /** Plays the pushed scribes this session queued during a read (with whatever other sessions queued). */
    private void playQueued() {
        if (!queued) {
            return;
        }
        queued = false;
        scriber.lock.lock();
        try {
            scriber.player.playIncoming();
        } finally {
            scriber.lock.unlock();
        }
    }

    /** Feeds the remaining bytes of {@code data}; see {@link #receiveData(byte[])}. */
    public void receiveData(ByteBuffer data) {
        if (data.hasArray()) {
            receiveData(data.array(), data.arrayOffset() + data.position(), data.remaining());
            data.position(data.limit());
        } else {
            byte[] copy = new byte[data.remaining()];
            data.get(copy);
            receiveData(copy);
        }
    }

    /**
     * Handles one complete message from a transport that frames messages itself (WebSocket text frames). A message
     * longer than the wire's maximum is refused with error 413.
     */
    public void receiveMessage(String json) {
        handleMessage(json);
        scriber.flush();
    }

    /**
     * Handles complete messages that arrived together (the WebSocket frames of one read, the scribes of one HTTP
     * push), in order; like the frames of one read of a stream (see {@link #receiveData(byte[], int, int)}), their
     * {@code add_scribe} messages are played together, with one store commit, before any message of another type
     * that follows them.
     */
    public void receiveMessages(List<String> jsons) {
        synchronized (decoder) {
            batching = true;
            try {
                for (String json : jsons) {
                    handleMessage(json);
                }
            } finally {
                batching = false;
                playQueued();
            }
        }
        scriber.flush();
    }

    private void handleMessage(String json) {
        if (!open) {
            log.debug("session {}: message after disconnect ignored", client.id());
            return;
        }
        scriber.metrics.bytesIn(client.id(), json.length());
        JsonNode message;
        try {
            if (json.length() > wire.maxFrameBytes()
                    || json.getBytes(StandardCharsets.UTF_8).length > wire.maxFrameBytes()) {
                throw new ScribeException(ScribeException.TOO_LARGE,
                        "message exceeds the maximum of " + wire.maxFrameBytes() + " bytes");
            }
            message = Json.parse(json);
        } catch (ScribeException e) {
            // Answered after the pushed scribes before it, which are played first.
            playQueued();
            rejected(null, e);
            return;
        }
        // An upper bound of its UTF-8 size, enough to skip measuring the scribe in a small message.
        inboundBytes = json.length() * 3L;
        dispatch(message);
    }

    private void dispatch(JsonNode message) {
        JsonNode id = message.isObject() ? message.get("id") : null;
        try {
            if (!message.isObject() || !message.path("type").isTextual()) {
                playQueued();
            }
            if (!message.isObject()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "message must be a JSON object");
            }
            JsonNode typeNode = message.get("type");
            if (typeNode == null || !typeNode.isTextual()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "message has no type");
            }
            String type = typeNode.asText();
            if (!type.equals("add_scribe")) {
                // The pushed scribes before this message are played and answered first, whatever its answer.
                playQueued();
            }
            if (scriber.authenticator != null && principal == null) {
                gate(type, id, message);
                return;
            }
            if ((type.equals("sync") || type.equals("rpc")) && !rate.tryAcquire()) {
                throw new ScribeException(ScribeException.TOO_MANY_REQUESTS, type + " requests over the rate of "
                        + scriber.requestRate + " a second (burst " + scriber.requestBurst + "); try again later");
            }
            switch (type) {
                case "sync" -> handleSync(id, message);
                case "add_scribe" -> handleAddScribe(id, message);
                case "rpc" -> handleRpc(id, message);
                case "response" -> handleResponse(id, message);
                case "ack" -> handleAck(message);
                case "error" -> handleError(id, message);
                case "noop" -> handleNoop(id, message);
                case Refusals.TYPE -> handleRefused(id, message);
                default -> handleExtension(type, id, message);
            }
        } catch (ScribeException e) {
            rejected(id, e);
        } catch (RuntimeException e) {
            log.error("session {}: failed handling {}", client.id(), message, e);
            rejected(id, new ScribeException(ScribeException.INTERNAL, "internal error: " + e, e));
        }
    }

    /**
     * Answers a message that could not be handled. Syncro peers raise on {@code error}, so in Syncro mode only the
     * answers Syncro itself gives to a request (403, 404, 405 with an id) are sent; the rest is reported locally.
     */
    private void rejected(JsonNode id, ScribeException e) {
        scriber.metrics.refused(client.id(), e.code());
        scriber.report(new ScribeException(e.code(), "from " + client.id() + ": " + e.getMessage(), e));
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
        enqueue(error);
    }

    private void respond(JsonNode id, JsonNode result) {
        ObjectNode response = Json.object().put("type", "response");
        if (id != null) {
            response.set("id", id);
        }
        response.set("result", result);
        enqueue(response);
    }

    private void handleSync(JsonNode id, JsonNode message) {
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
            CompletableFuture<Void> running = reread != null ? reread : catchUp;
            if (!message.path("clocked").asBoolean(false) && running != null && !running.isDone()) {
                running.whenComplete((v, e) -> {
                    if (open) {
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
        CompletableFuture<Void> running = catchUp;
        if (running == null) {
            return null;
        }
        if (running.isDone()) {
            return sync();
        }
        // The catch-up under way may store a cursor in the peer's log (it read the log the peer still has, when it
        // only lost its own cursor): it is forgotten again before the log is read from its start.
        return running.handle((v, e) -> {
            if (!open) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            forgetPeerCursor();
            return sync();
        }).thenCompose(f -> f);
    }

    private void forgetPeerCursor() {
        scriber.lock.lock();
        try {
            syncro.heldCursor = null;
            Txn tx = new Txn();
            tx.cursors.put(client.id(), "");
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
            new PageAnswer(this).answer(id, message);
        } else {
            new SyncroAnswer(this).answer(id, message, own);
        }
    }

    /** {@code null} and {@code ""} mean the start of the log; an id this log never issued gives -1 (nothing). */
    long parseCursor(JsonNode from) {
        if (from == null || from.isNull() || (from.isTextual() && from.asText().isEmpty())) {
            return 0;
        }
        try {
            long value = Long.parseLong(from.asText());
            return value >= 0 && value <= scriber.store.lastId() ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void handleAddScribe(JsonNode id, JsonNode message) {
        Scribe scribe = credited(Json.scribe(message.get("scribe")));
        if (syncro == null) {
            // Queued, then played by whichever thread holds the lock next: scribes that arrive on several sessions
            // while a step is being stored are played and stored together (one store commit for the batch).
            // Syncro sessions play one scribe at a time (their corrections follow each one).
            scriber.incoming.add(new Scriber.Incoming(this, id, scribe, inboundBytes));
            if (batching) {
                queued = true;
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
                Admission.check(scriber, this, scribe, inboundBytes);
                scriber.player.play(scribe, client, this, tx);
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
                    respond(id, Json.NODES.booleanNode(true));
                    caughtUp = false;
                    CompletableFuture<Void> running = catchUp;
                    if (running == null || running.isDone()) {
                        sync();
                    }
                    return;
                }
                // A deliberate refusal (4xx) is final: the scribe is not played again.
                refused = e;
                tx = new Txn();
            } catch (RuntimeException e) {
                throw lost(e);
            }
            List<ObjectNode> fixes = syncro != null && scribe.clock() == 0 && refused == null
                    ? syncro.played(List.of(scribe), tx, false) : List.of();
            if (caughtUp && scribe.id() != null && refused == null) {
                // A pushed scribe moves the cursor only once the catch-up is done, or a disconnect in between
                // could skip the scribes of the unfinished pages; a refused one never does (whatever id it names):
                // the next catch-up passes it.
                if (syncro != null && (!fixes.isEmpty() || syncro.correcting > 0)) {
                    syncro.heldCursor = scribe.id();
                } else {
                    tx.cursors.put(client.id(), scribe.id());
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
            respond(id, Json.NODES.booleanNode(true));
            correct(fixes);
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * Sends a Syncro peer, after its clockless scribes were played and committed, the values that won here where it
     * may hold others (see SyncroPeer); once it answered them all, its held-back cursor is stored. Caller holds the
     * engine lock.
     */
    void correct(List<ObjectNode> fixes) {
        if (fixes.isEmpty() || !open) {
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
            enqueueRequest(message).whenComplete((r, e) -> {
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
                    if (--syncro.correcting == 0 && syncro.heldCursor != null && open) {
                        Txn tx = new Txn();
                        tx.cursors.put(client.id(), syncro.heldCursor);
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

    void reportFailure(CompletableFuture<JsonNode> request) {
        request.whenComplete((r, e) -> {
            if (e == null) {
                return;
            }
            if (!open) {
                // The scribe stays in the store for the peer's next catch-up: a closed session is no problem to
                // report once per push (a peer resetting its connection would flood the log).
                log.debug("session {}: push not answered before close", client.id());
                return;
            }
            scriber.report(e instanceof ScribeException se ? se
                    : new ScribeException(ScribeException.INTERNAL, e.toString(), e));
        });
    }

    boolean caughtUp() {
        return caughtUp;
    }

    /** The catch-up from the peer read its log to the end. */
    void markCaughtUp() {
        caughtUp = true;
        status.set(ConnectionStatus.State.ONLINE, null);
    }


    /** The peer refused a write of ours for good: see {@link Refusals}. */
    private void handleRefused(JsonNode id, JsonNode message) {
        if (!isTrustedRelay()) {
            // Only the peer this one syncs through (its server, which it trusts as a relay) may undo its writes.
            throw new ScribeException(ScribeException.FORBIDDEN, "refused: only a peer trusted as a relay may send it");
        }
        scriber.lock.lock();
        try {
            Refusals.undo(scriber, client, message);
        } finally {
            scriber.lock.unlock();
        }
        respond(id, Json.NODES.booleanNode(true));
    }

    /**
     * Tells the peer that this peer refused its own write {@code scribe} for good, with this peer's state of the
     * object, when {@link Refusals} says one is due. Caller holds the engine lock.
     */
    void tellRefused(Scribe scribe, ScribeException error) {
        ObjectNode notice = scribe == null || error == null ? null : Refusals.notice(scriber, this, scribe, error);
        if (notice == null || !open) {
            return;
        }
        enqueueRequest(notice).whenComplete((r, e) -> {
            if (e != null) {
                log.debug("session {}: refusal notice not taken: {}", client.id(), e.toString());
            }
        });
    }

    /** Refuses a pushed scribe this session may not introduce, or that its class or a store cannot take. */
    void admit(Scribe scribe, long frameBytes) {
        checkOrigin(scribe);
        Admission.check(scriber, this, scribe, frameBytes);
    }

    /**
     * Answers a pushed scribe this peer played (or refused). When the peer takes cumulative acknowledgements (it said
     * so in its last page, see {@link PageAnswer}), a played one is not answered by itself: {@link #sendAck} answers
     * every push played up to the last one with one {@code ack}. A refusal is answered at once with its error,
     * before the ack that passes it. Caller holds the engine lock.
     */
    void answer(JsonNode id, ScribeException refused) {
        if (refused != null) {
            rejected(id, refused);
        } else if (acksCumulative && id != null && id.canConvertToInt() && id.asInt() > 0) {
            ackUpTo = Math.max(ackUpTo, id.asInt());
        } else {
            respond(id, Json.NODES.booleanNode(true));
        }
    }

    /**
     * Sends one {@code ack} for the pushes answered since the last one (see {@link #answer}), if any. Called under
     * the engine lock after a batch of pushes was answered.
     */
    void sendAck() {
        if (ackUpTo > 0) {
            enqueue(Json.object().put("type", "ack").put("up_to", ackUpTo));
            ackUpTo = 0;
        }
    }

    /** The peer's cumulative acknowledgement of our pushes: see {@link Outbox#pushesAcknowledged}. */
    private void handleAck(JsonNode message) {
        JsonNode upTo = message.get("up_to");
        if (upTo == null || !upTo.canConvertToInt() || upTo.asInt() <= 0) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "ack needs up_to, a positive request id");
        }
        outbox.pushesAcknowledged(upTo.asInt());
    }

    /**
     * A pushed scribe could not be played or stored (the store failed, a policy threw): later pushes must not move
     * the cursor past it, so pushes stop moving the cursor and a new catch-up from the stored cursor fetches it
     * again a moment later.
     */
    RuntimeException lost(RuntimeException cause) {
        caughtUp = false;
        retryCatchUp(null);
        return cause instanceof ScribeException se ? se
                : new ScribeException(ScribeException.INTERNAL, "scribe from " + client.id() + " not stored: " + cause,
                        cause);
    }

    /**
     * Answers a {@code noop}. One that carries a {@code cursor} comes after every push the peer queued up to that
     * position of its log (see {@link #confirmPushed}): once this session's catch-up is done (so nothing before it is
     * missing here) and every push was stored, that position becomes the peer's cursor if it is further on.
     */
    private void handleNoop(JsonNode id, JsonNode message) {
        JsonNode cursor = message.get("cursor");
        if (cursor != null && cursor.isTextual() && syncro == null && caughtUp && !exchange) {
            scriber.lock.lock();
            try {
                long at = Long.parseLong(cursor.asText());
                long held = client.cursor().map(Acknowledged::parse).orElse(0L);
                if (caughtUp && at > held) {
                    Txn tx = new Txn();
                    tx.cursors.put(client.id(), Long.toString(at));
                    scriber.commit(tx);
                }
            } catch (NumberFormatException e) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "noop cursor must be a log position");
            } finally {
                scriber.lock.unlock();
            }
        }
        respond(id, Json.NODES.booleanNode(true));
    }

    /**
     * Starts a new catch-up a second from now, if the session is still open and no catch-up is running other than
     * {@code failed} (null: any finished one).
     */
    private void retryCatchUp(CompletableFuture<Void> failed) {
        try {
            scriber.timer.schedule(() -> {
                CompletableFuture<Void> running = catchUp;
                if (open && !caughtUp && !scriber.closed && (running == null || running == failed
                        || (failed == null && running.isDone()))) {
                    try {
                        sync();
                    } catch (RuntimeException e) {
                        log.debug("session {}: catch-up not restarted: {}", client.id(), e.toString());
                    }
                }
            }, 1, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The Scriber is closing.
        }
    }

    private void handleRpc(JsonNode id, JsonNode message) {
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
            respond(id, last == 0 ? Json.NODES.nullNode() : Json.NODES.textNode(Long.toString(last)));
            return;
        }
        SyncedClass<?> c = scriber.classByKlass(klass);
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
        respond(id, scriber.valueMapper.valueToTree(result));
    }

    private void handleResponse(JsonNode id, JsonNode message) {
        if (syncro == null && !acksCumulative && message.has("acks")
                && "cumulative".equals(message.get("acks").asText())) {
            // The last page of the peer's log: from here on it pushes, and takes one ack for many pushes.
            acksCumulative = true;
        }
        CompletableFuture<JsonNode> p = id != null && id.canConvertToInt() ? outbox.answered(id.asInt()) : null;
        if (p != null && syncro != null) {
            scriber.lock.lock();
            try {
                syncro.confirm(id.asInt());
            } finally {
                scriber.lock.unlock();
            }
        }
        if (p == null) {
            log.debug("session {}: response to no pending request ignored: {}", client.id(), message);
            return;
        }
        p.complete(message);
    }

    private void handleError(JsonNode id, JsonNode message) {
        int code = message.path("code").asInt(ScribeException.INTERNAL);
        String text = message.path("message").asText("error " + code);
        ScribeException e = new ScribeException(code, client.id() + " answered: " + text);
        CompletableFuture<JsonNode> p = id != null && id.canConvertToInt() ? outbox.answered(id.asInt()) : null;
        if (p == null && code == ScribeException.CONFLICT && (id == null || id.isNull())) {
            // The peer refused this session: it still holds this client's previous connection (a reconnect that
            // came before the peer noticed the drop). A status change; the transport connects again.
            log.info("session {}: {}", client.id(), e.getMessage());
            disconnectBecause(e);
            return;
        }
        if (p == null) {
            // Never answered: two peers must not bounce errors at each other.
            scriber.report(e);
            return;
        }
        p.completeExceptionally(e);
    }

    /** Handles a message before authentication: the authentication message, or a refusal. */
    private void gate(String type, JsonNode id, JsonNode message) {
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
            who = scriber.authenticator.authenticate(this, message);
        } catch (ScribeException e) {
            throw e;
        } catch (Exception e) {
            throw new ScribeException(ScribeException.INTERNAL, "authenticator failed: " + e, e);
        }
        if (who == null) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "authentication refused");
        }
        principal = who;
        // The client proved who it is: its older sessions (half-open ones a reconnect left behind) give way. Only
        // an authenticated session may do this, so a stranger naming a client's GUID cannot cut it off.
        for (Session older : exchange ? List.<Session>of() : client.sessions()) {
            if (older != this) {
                older.disconnect();
            }
        }
        respond(id, Json.object().put("principal", who));
        CompletableFuture<Void> deferred = deferredSync;
        if (deferred != null) {
            deferredSync = null;
            pages.requestPage(client.cursor().orElse(null), deferred);
        }
    }

    private void handleExtension(String type, JsonNode id, JsonNode message) {
        MessageHandler handler = scriber.handlers.get(type);
        if (handler == null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "unknown message type: " + type);
        }
        JsonNode result;
        try {
            result = handler.handle(this, message);
        } catch (ScribeException e) {
            throw e;
        } catch (Exception e) {
            throw new ScribeException(ScribeException.INTERNAL, "handler for " + type + " failed: " + e, e);
        }
        if (result != null) {
            respond(id, result);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Outbound

    /**
     * Catches up from the peer: asks for the scribes after this client's cursor, page by page, plays each page and
     * stores it with the new cursor before asking for the next.
     *
     * @return completes when the peer's log has been read to its end; fails if the session closes or a request
     *     times out (the cursor then stays at the last page stored)
     */
    public CompletableFuture<Void> sync() {
        scriber.checkOpen();
        CompletableFuture<Void> done = new CompletableFuture<>();
        catchUp = done;
        caughtUp = false;
        done.whenComplete((v, failure) -> {
            if (failure != null) {
                // A page that failed (no answer within the request timeout, a store that refused it): until a
                // catch-up finishes, pushes from the peer cannot move its cursor here, so try again a moment later
                // while the session lives (the peer's changes would otherwise wait for its next connection).
                retryCatchUp(done);
            }
        });
        status.set(ConnectionStatus.State.CATCHING_UP, null);
        if (scriber.authenticator != null && principal == null) {
            deferredSync = done;
            return done;
        }
        pages.requestPage(client.cursor().orElse(null), done);
        scriber.flush();
        return done;
    }

    /**
     * Fetches again one scribe of the peer's log that this peer could not store: see {@link CatchUp#refetch}.
     */
    CompletableFuture<Boolean> refetch(String before, String scribeId) {
        return pages.refetch(before, scribeId);
    }

    /**
     * Sends a request and returns its answer: the whole {@code response} message, or a failure with the peer's
     * {@code error}, or error 408 when no answer comes within the Scriber's request timeout or the session closes.
     * The request gets this session's next request id.
     */
    public CompletableFuture<JsonNode> request(ObjectNode message) {
        CompletableFuture<JsonNode> future = enqueueRequest(message);
        scriber.flush();
        return future;
    }

    /** Queues a request without sending it yet; the caller flushes (possibly after releasing the lock). */
    CompletableFuture<JsonNode> enqueueRequest(ObjectNode message) {
        return outbox.request(message);
    }

    /** Calls an {@link io.scribe.annotations.Rpc} method on the peer; completes with its result. */
    public CompletableFuture<JsonNode> rpc(String klass, String method, Object... args) {
        ObjectNode message = Json.object().put("type", "rpc").put("klass", klass).put("method", method);
        ArrayNode array = message.putArray("args");
        for (Object arg : args) {
            array.add(scriber.valueMapper.<JsonNode>valueToTree(arg));
        }
        CompletableFuture<JsonNode> result = request(message).thenApply(r -> r.path("result"));
        scriber.flush();
        return result;
    }

    /** Sends a keep-alive {@code noop}; completes when the peer answers. */
    public CompletableFuture<Void> noop() {
        CompletableFuture<Void> result = request(Json.object().put("type", "noop")).thenApply(r -> null);
        scriber.flush();
        return result;
    }

    /** Sends a message that expects no answer (extension messages). */
    public void send(ObjectNode message) {
        enqueue(message);
        scriber.flush();
    }

    /** Number of requests sent and not yet answered. */
    public int pendingRequests() {
        return outbox.pendingRequests();
    }

    boolean pushing() {
        return pushing && open;
    }

    /** From here on, new scribes are pushed to this session. Called under the Scriber's lock. */
    void startPushing() {
        pushing = true;
    }

    /**
     * Asks the peer, with a {@code noop}, to confirm it has played every push queued so far, when nothing waits in
     * the log for it: its answer acknowledges this log up to {@code upTo} (scribes it may not see, and its own, are
     * never pushed, so no answer to a push passes them). Used by {@link Compactor}, and after the peer refused a push
     * (which it passes only when confirmed, see {@link Pusher}). Called under the Scriber's lock.
     */
    void confirmPushed(long upTo) {
        if (!open || !pushing || pusher.behind() || client.acknowledged.position() >= upTo) {
            return;
        }
        // The position goes with it: the peer may store it as its cursor here (see handleNoop), so its next
        // catch-up starts after the scribes it was never pushed, not before what compaction removed.
        ObjectNode noop = Json.object().put("type", "noop");
        if (syncro == null) {
            noop.put("cursor", Long.toString(upTo));
        }
        enqueueRequest(noop).thenAccept(r -> client.acknowledged.advance(upTo));
    }

    /** Pushes one of our scribes: see {@link Pusher#push}. Called under the Scriber's lock. */
    void push(Scribe scribe) {
        pusher.push(scribe);
    }

    /** A scribe this session's peer sent, which is never pushed back to it: see {@link Pusher#cameFromPeer}. */
    void cameFromPeer(Scribe scribe) {
        pusher.cameFromPeer(scribe);
    }

    /** Queues {@code add_scribe} for an encoded scribe: see {@link Outbox#push}. */
    CompletableFuture<JsonNode> enqueuePush(EncodedScribe scribe) {
        return outbox.push(scribe);
    }

    void enqueue(ObjectNode message) {
        outbox.add(message);
    }

    /** Sends what is queued: see {@link Outbox#drain}. */
    void drain() {
        outbox.drain();
    }

    /**
     * Closes the session: fails its pending requests, closes the connection and forgets any incomplete frame
     * (reported as a truncated frame). Idempotent. The client's cursor stays in the store for the next connection.
     */
    public void disconnect() {
        if (!open) {
            return;
        }
        open = false;
        pushing = false;
        scriber.sessions.remove(this);
        int partial;
        // Not reset: disconnect may run inside feed (a handler or a failed send), and the decoder must finish its
        // loop intact; frames after this point are dropped by the sink.
        partial = decoder.buffered();
        if (partial > 0) {
            scriber.report(new ScribeException(ScribeException.BAD_REQUEST, "truncated frame from " + client.id()
                    + ": " + partial + " bytes of an incomplete frame discarded at disconnect"));
        }
        outbox.failPending();
        CompletableFuture<Void> running = catchUp;
        if (running != null) {
            running.completeExceptionally(new ScribeException(ScribeException.TIMEOUT, "session closed"));
        }
        try {
            connection.close();
        } catch (RuntimeException e) {
            log.debug("session {}: close failed", client.id(), e);
        }
        client.acknowledged.flush();
        status.set(ConnectionStatus.State.OFFLINE, closeCause);
    }

    /**
     * Closes the session as {@link #disconnect()} does, giving the reason its {@link ConnectionStatus#cause()}
     * carries: transports pass the failure that ended the connection.
     */
    public void disconnectBecause(Throwable cause) {
        if (open && closeCause == null) {
            closeCause = cause;
        }
        disconnect();
    }

    /** Fails the requests whose deadline has passed. Called periodically by the Scriber's timer. */
    void expire(long now) {
        outbox.expire(now);
    }

    @Override
    public String toString() {
        return "Session[" + scriber.id() + " -> " + client.id() + ", " + wire + (open ? "" : ", closed") + "]";
    }
}
