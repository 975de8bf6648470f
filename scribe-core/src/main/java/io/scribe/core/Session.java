package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Connection;
import java.nio.ByteBuffer;
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
            Set.of("sync", "add_scribe", "add_scribes", "rpc", "response", "error", "noop", "ack", Refusals.TYPE);

    private final Scriber scriber;

    Scriber scriber() {
        return scriber;
    }
    private final Client client;
    private final Connection connection;
    private final Wire wire;
    final Outbox outbox;
    /** What it answers the peer (see {@link Answers}). */
    final Answers answers;
    private volatile boolean open = true;
    private volatile boolean pushing;
    private volatile String principal;
    private volatile boolean trustedRelay;
    // Opened by Client.exchange for one request: not one of the client's connections.
    private volatile boolean exchange;
    // The peer's sync and rpc requests: the work one request causes is bounded by the page size, their number by this.
    final io.scribe.core.internal.RequestRate rate;
    /** In Syncro mode, what makes the peer converge (see SyncroPeer); null otherwise. */
    final SyncroPeer syncro;
    final Pusher pusher;
    /** Catches up from the peer (see {@link CatchUp}). */
    final CatchUp pages;
    /** Reads what the peer sends (see {@link Inbound}). */
    final Inbound inbound;
    /** Takes in the scribes the peer pushes (see {@link Intake}). */
    final Intake intake;
    /** Handles the peer's other messages (see {@link Requests}). */
    final Requests requests;
    final StatusBoard status;
    // Why the session closed, when it closed for a reason (see disconnectBecause).
    private volatile Throwable closeCause;

    Session(Scriber scriber, Client client, Connection connection, Wire wire) {
        this.scriber = scriber;
        this.client = client;
        this.connection = connection;
        this.wire = wire;
        this.outbox = new Outbox(this, connection, wire);
        this.answers = new Answers(this, outbox, wire);
        this.rate = new io.scribe.core.internal.RequestRate(
                scriber.requestRate, scriber.requestBurst, System::nanoTime);
        this.syncro = wire.isSyncro() ? new SyncroPeer(scriber, client.id()) : null;
        if (syncro != null) {
            scriber.compactor.servedSyncro();
        }
        this.status = new StatusBoard(client.id(), scriber.statusListener);
        this.pusher = new Pusher(this);
        this.pages = new CatchUp(this);
        this.inbound = new Inbound(this);
        this.intake = new Intake(this);
        this.requests = new Requests(this);
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
        return pages.running();
    }

    /**
     * The principal the peer authenticated as (see {@code Scriber.Builder.authenticate}); empty before it did, and
     * always empty when the Scriber requires no authentication.
     */
    public java.util.Optional<String> principal() {
        return java.util.Optional.ofNullable(principal);
    }

    /** Whether the peer must still authenticate: the Scriber requires it and the peer has not yet. */
    boolean awaitsAuthentication() {
        return scriber.authenticator != null && principal == null;
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
     * Whether the peer is the one this peer relays through (its server): marked by {@link #trustAsRelay()}, not merely
     * accepted by the Scriber's {@code trustRelays} rule (a peer relaying through this one, such as another server
     * node connected to it).
     */
    boolean relaysThrough() {
        return trustedRelay;
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

    /** Marks a session opened by {@link Client#exchange}; its pushed scribes move the cursor at once. */
    void markExchange() {
        exchange = true;
        pages.assumeCaughtUp();
    }

    /** Whether this session serves one request/answer exchange ({@link Client#exchange}), not a connection. */
    public boolean isExchange() {
        return exchange;
    }

    /** Whether the catch-up started by {@link #sync()} has reached the end of the peer's log. */
    public boolean isCaughtUp() {
        return pages.caughtUp();
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
        inbound.receiveData(data, offset, length);
    }

    /**
     * Handles complete messages that arrived together (the WebSocket frames of one read, the scribes of one HTTP
     * push), in order; like the frames of one read of a stream (see {@link #receiveData(byte[], int, int)}), their
     * {@code add_scribe} messages are played together, with one store commit, before any message of another type
     * that follows them.
     */
    public void receiveMessages(List<String> jsons) {
        inbound.receiveMessages(jsons);
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
        inbound.handleMessage(json);
        scriber.flush();
    }

    /** The peer authenticated as {@code who} (see {@link Requests#gate}). */
    void authenticated(String who) {
        principal = who;
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
        CompletableFuture<Void> done = pages.start();
        scriber.flush();
        return done;
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

    /**
     * Sends now the cumulative {@code ack} this session holds back for its peer's pushes (see {@link
     * Scriber.Builder#ackDelay}), if it holds one; for a test harness that delivers everything in flight, or before a
     * peer goes quiet.
     *
     * @return whether an ack was sent
     */
    public boolean acknowledgeNow() {
        boolean sent;
        scriber.lock.lock();
        try {
            sent = isOpen() && intake.acks.sendHeld();
        } finally {
            scriber.lock.unlock();
        }
        if (sent) {
            scriber.flush();
        }
        return sent;
    }

    /** Number of requests and pushes sent and not yet answered. */
    public int pendingRequests() {
        return outbox.pending.size() + pusher.unanswered();
    }

    boolean pushing() {
        return pushing && open;
    }

    /** From here on, new scribes are pushed to this session. Called under the Scriber's lock. */
    void startPushing() {
        pushing = true;
    }

    void enqueue(ObjectNode message) {
        outbox.add(message);
    }

    /** Sends what is queued: see {@link Outbox#drain}. */
    void drain() {
        outbox.drain();
    }

    /** Whether the transport delivers received data on a thread of its own: see {@link Connection#readsOnOwnThread}. */
    boolean readsOnOwnThread() {
        return connection.readsOnOwnThread();
    }

    /** Has the connection write what was sent to it now: see {@link Connection#writeNow}. */
    void writeNow() {
        try {
            connection.writeNow();
        } catch (RuntimeException e) {
            log.debug("session {}: writing at once failed: {}", client.id(), e.toString());
        }
    }

    /**
     * Closes the session: sends the ack it holds back (see {@link Scriber.Builder#ackDelay}) and what it queued,
     * fails its pending requests, closes the connection and forgets any incomplete frame (reported as a truncated
     * frame). Idempotent. The client's cursor stays in the store for the next connection.
     */
    public void disconnect() {
        if (!open) {
            return;
        }
        // The ack held back for pushes already played and stored (see HeldAck#sendHeld), and what was queued before
        // (an error that explains the close, pushes handed to the writer thread and not written yet) go out ahead
        // of the close: a peer that disconnects on purpose leaves nothing for the pusher to send again.
        scriber.lock.lock();
        try {
            intake.acks.sendHeld();
        } catch (RuntimeException e) {
            log.debug("session {}: the held ack could not be sent at close", client.id(), e);
        } finally {
            scriber.lock.unlock();
        }
        outbox.drain();
        open = false;
        pushing = false;
        scriber.sessions.remove(this);
        // Not reset: disconnect may run inside feed (a handler or a failed send), and the decoder must finish its
        // loop intact; frames after this point are dropped by the sink.
        int partial = inbound.buffered();
        if (partial > 0) {
            scriber.report(new ScribeException(ScribeException.BAD_REQUEST, "truncated frame from " + client.id()
                    + ": " + partial + " bytes of an incomplete frame discarded at disconnect"));
        }
        outbox.pending.failAll();
        pusher.closed();
        pages.closed();
        try {
            connection.close();
        } catch (RuntimeException e) {
            log.debug("session {}: close failed", client.id(), e);
        }
        scriber.clients.ended(this);
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

    /**
     * Fails the requests whose deadline has passed, and expires the pushes to a peer that acknowledges cumulatively
     * whose answer is overdue (see {@link Pusher#expire}). Called periodically by the Scriber's timer.
     */
    void expire(long now) {
        outbox.pending.expire(now);
        pusher.expire(now);
    }

    @Override
    public String toString() {
        return "Session[" + scriber.id() + " -> " + client.id() + ", " + wire + (open ? "" : ", closed") + "]";
    }
}
