package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.SyncPage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's outgoing side: messages encoded for its wire and queued in order (under the engine lock or not),
 * sent by {@link #drain()}: pushes on the connection's writer thread, handed over as they are queued, the rest after
 * the lock is released; the requests it sent, by id, until their answer comes, they
 * expire or the session closes. A message too large for the peer's frames is not sent: its request fails with 413, or
 * the problem is reported. Thread-safe.
 */
final class Outbox {

    private static final Logger log = LoggerFactory.getLogger(Session.class);
    private static final io.scribe.core.internal.ThrottledLog WARNINGS =
            new io.scribe.core.internal.ThrottledLog(log, java.time.Duration.ofSeconds(10));

    /**
     * A message shared by the sessions it is pushed to, as text and as UTF-8 (see {@link
     * io.scribe.core.spi.Connection#sendText(String, byte[])}).
     */
    record SharedText(String text, byte[] utf8) {}

    /**
     * A push without a request id (see {@link #pushShared}): the message as queued for every session, and the
     * scribe's own JSON, for an {@code add_scribes} that carries it with the pushes queued after it.
     */
    record SharedPush(Object message, byte[] scribe) {}

    private static final byte[] ARRAY_END = {']', '}'};
    private static final byte[] BATCH_HEAD =
            "{\"type\":\"add_scribes\",\"scribes\":[".getBytes(StandardCharsets.US_ASCII);

    private final Session session;
    private final Scriber scriber;
    private final io.scribe.core.spi.Connection connection;
    private final Wire wire;
    private final boolean messageOriented;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    /** The requests sent on this session that wait for their answers. */
    final PendingRequests pending;
    // The largest add_scribes the peer takes, in bytes (its sync said so); 0: one add_scribe per push.
    private volatile int batchBytes;
    // The largest frame sent: this wire's, or less when the peer's sync said it takes less (see peerTakesFrames).
    private volatile int frameLimit;

    Outbox(Session session, io.scribe.core.spi.Connection connection, Wire wire) {
        this.session = session;
        this.scriber = session.scriber();
        this.connection = connection;
        this.wire = wire;
        this.frameLimit = wire.maxFrameBytes();
        this.messageOriented = connection.messageOriented();
        this.pending = new PendingRequests(session);
    }

    private String peer() {
        return session.client().id();
    }

    /**
     * Queues a request under this session's next request id; completes with the peer's {@code response}, or fails
     * with its {@code error}, with 408 when no answer comes within the request timeout or the session closes, or with
     * 413 when it is too large to send.
     */
    CompletableFuture<JsonNode> request(ObjectNode message) {
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        request(message, pending.waiting(future, null));
        return future;
    }

    /**
     * Queues a {@code sync} that asks for a page of the peer's log, as {@link #request}; completes with the page the
     * peer answered, read from its frame when it can be (see {@link SyncPage#read}), else parsed as a tree.
     */
    CompletableFuture<SyncPage> requestPage(ObjectNode message) {
        CompletableFuture<SyncPage> page = new CompletableFuture<>();
        request(message, pending.waiting(null, page));
        return page;
    }

    private void request(ObjectNode message, PendingRequests.Pending waiting) {
        if (pending.open(message, waiting)) {
            add(message);
            if (!session.isOpen()) {
                pending.failAll();
            }
        }
    }

    /**
     * The peer said, in its {@code sync}, that it takes several pushes in one {@code add_scribes} of at most {@code
     * bytes}: pushes queued together are then sent so, within that size and this wire's frames. A push sent alone
     * stays the message shared by every session.
     */
    void peerTakesBatches(int bytes) {
        batchBytes = Math.max(0, Math.min(bytes, frameLimit));
    }

    /**
     * The peer said, in its {@code sync}, that it reads frames of at most {@code bytes}: nothing larger is sent to it
     * (a push is not sent, a catch-up page and a snapshot page are kept to it), rather than have it close the
     * connection, again at every reconnect.
     */
    void peerTakesFrames(int bytes) {
        frameLimit = Math.max(1, Math.min(bytes, frameLimit));
        batchBytes = Math.min(batchBytes, frameLimit);
    }

    /** The largest frame sent to the peer. */
    int frameLimit() {
        return frameLimit;
    }

    /**
     * Queues {@code add_scribe} without a request id, for a peer that acknowledges cumulatively (see {@link
     * Pusher#acknowledged}): the same message for every such session, encoded and framed once for all of them.
     * Returns its size, or minus its size when it is too large to send (then nothing is queued; nor is anything once
     * the session closed).
     */
    int pushShared(EncodedScribe scribe) {
        int size = scribe.push().length;
        if (size > frameLimit) {
            return -size;
        }
        if (session.isOpen()) {
            Object entry = messageOriented ? scribe.sharedText() : scribe.sharedFrame(wire);
            // Nothing queued, no thread draining (read in that order: what a drain polled it sends before it lets
            // go) and no push in the slot: it goes in the slot, sent before anything queued after it (see
            // takeNext), and the writer is handed one drain for it. Else it is queued.
            if (queue.isEmpty() && !draining && HANDED.compareAndSet(this, null, entry)) {
                if (!connection.executeOnWriter(drainTask)) {
                    scriber.relay.markDirty(session);
                }
            } else {
                queue.add(entry);
                handOver();
            }
        }
        return size;
    }

    /**
     * Queues {@code add_scribe} with this session's next request id for an encoded scribe: the scribe's JSON, made
     * once for every session it is pushed to, goes into this session's envelope as it is; completes with the answer
     * to that id.
     */
    CompletableFuture<JsonNode> push(EncodedScribe scribe) {
        int id = pending.nextId();
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        if (!session.isOpen()) {
            future.completeExceptionally(new ScribeException(ScribeException.TIMEOUT, "session closed"));
            return future;
        }
        Object payload;
        int size;
        if (connection.messageOriented()) {
            String text = "{\"type\":\"add_scribe\",\"id\":" + id + ",\"scribe\":" + scribe.text() + "}";
            size = Json.utf8Over(text, frameLimit) ? (int) Json.utf8Length(text) : 0;
            payload = text;
        } else {
            byte[] head = ("{\"type\":\"add_scribe\",\"id\":" + id + ",\"scribe\":")
                    .getBytes(StandardCharsets.US_ASCII);
            byte[] body = scribe.bytes();
            byte[] json = java.util.Arrays.copyOf(head, head.length + body.length + 1);
            System.arraycopy(body, 0, json, head.length, body.length);
            json[json.length - 1] = '}';
            size = json.length;
            payload = size > frameLimit ? null : wire.frame(json);
        }
        if (size > frameLimit) {
            future.completeExceptionally(new ScribeException(ScribeException.TOO_LARGE, "message of " + size
                    + " bytes to " + peer() + " exceeds the maximum of " + frameLimit + "; not sent"));
            return future;
        }
        pending.await(id, pending.waiting(future, null));
        queue.add(payload);
        scriber.relay.markDirty(session);
        if (!session.isOpen()) {
            pending.failAll();
        }
        return future;
    }

    /** Queues a message as it is (an answer, or a message that expects none). */
    void add(ObjectNode message) {
        if (!session.isOpen()) {
            return;
        }
        Object payload;
        if (connection.messageOriented()) {
            String text = Json.text(message);
            if (Json.utf8Over(text, frameLimit)) {
                tooLargeToSend(message, (int) Math.min(Integer.MAX_VALUE, Json.utf8Length(text)));
                return;
            }
            payload = text;
        } else {
            byte[] json = Json.bytes(message);
            if (json.length > frameLimit) {
                tooLargeToSend(message, json.length);
                return;
            }
            payload = wire.frame(json);
        }
        queue.add(payload);
        scriber.relay.markDirty(session);
    }

    /**
     * Queues a message already encoded as UTF-8 JSON; {@code envelope} is the message without its large parts, to
     * answer with when it is too large to send.
     */
    void addEncoded(ObjectNode envelope, byte[] json) {
        if (!session.isOpen()) {
            return;
        }
        if (json.length > frameLimit) {
            tooLargeToSend(envelope, json.length);
            return;
        }
        queue.add(payload(json));
        scriber.relay.markDirty(session);
    }

    /** A message encoded as UTF-8 JSON, as this connection sends it: wrapped as text, or framed. */
    private Object payload(byte[] json) {
        return connection.messageOriented() ? new SharedText(new String(json, StandardCharsets.UTF_8), json)
                : wire.frame(json);
    }

    private void tooLargeToSend(ObjectNode message, int size) {
        ScribeException e = new ScribeException(ScribeException.TOO_LARGE, "message of " + size
                + " bytes to " + peer() + " exceeds the maximum of " + frameLimit + "; not sent");
        JsonNode id = message.get("id");
        String type = message.path("type").asText();
        boolean answer = "response".equals(type) || "error".equals(type);
        PendingRequests.Pending p =
                id != null && !answer && id.canConvertToInt() ? pending.answered(id.asInt()) : null;
        if (p != null) {
            p.fail(e);
            return;
        }
        scriber.report(e);
        if ("response".equals(type) && id != null && !wire.isSyncro()) {
            ObjectNode error = Json.object().put("type", "error");
            error.set("id", id);
            error.put("code", ScribeException.TOO_LARGE).put("message", "answer too large to send");
            add(error);
        }
    }

    /**
     * Hands what is queued to the connection's writer thread when it has one (see {@link
     * io.scribe.core.spi.Connection#executeOnWriter}), at once, while the change is still being relayed to the other
     * sessions (as a raw broadcast writes to each channel in turn); otherwise it is sent by the relay's next flush,
     * after the engine lock is released. One drain waits on the writer at a time: what is queued before it runs goes
     * with it. A session that closes before its writer runs drops them, as it drops what it had not sent (its peer
     * catches up from its cursor).
     */
    private void handOver() {
        if (!DRAIN_SCHEDULED.compareAndSet(this, false, true)) {
            return;
        }
        if (!connection.executeOnWriter(scheduledDrain)) {
            drainScheduled = false;
            scriber.relay.markDirty(session);
        }
    }

    // Whether a drain waits on the writer thread, and that drain; whether a thread is draining (see drain()); a push
    // handed over in one slot instead of the queue (see pushShared), and the drain handed over with it.
    // Fields with handles rather than atomic objects, and the slot: a change relayed to many sessions touches on each
    // only this object, where a queue's nodes, last written by the writer thread, would each be fetched from its core.
    private volatile boolean drainScheduled;
    private volatile boolean draining;
    private volatile Object handed;
    private final Runnable drainTask = this::drain;
    private static final java.lang.invoke.VarHandle DRAIN_SCHEDULED;
    private static final java.lang.invoke.VarHandle DRAINING;
    private static final java.lang.invoke.VarHandle HANDED;

    static {
        try {
            java.lang.invoke.MethodHandles.Lookup lookup = java.lang.invoke.MethodHandles.lookup();
            DRAIN_SCHEDULED = lookup.findVarHandle(Outbox.class, "drainScheduled", boolean.class);
            DRAINING = lookup.findVarHandle(Outbox.class, "draining", boolean.class);
            HANDED = lookup.findVarHandle(Outbox.class, "handed", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Runnable scheduledDrain = () -> {
        drainScheduled = false;
        drain();
    };

    /** Sends the push in the slot and what is queued, in order; one thread at a time, never re-entrantly. */
    void drain() {
        while (handed != null || !queue.isEmpty()) {
            if (!DRAINING.compareAndSet(this, false, true)) {
                return;
            }
            try {
                for (Object payload; (payload = takeNext()) != null; ) {
                    if (!session.isOpen()) {
                        handed = null;
                        polledAhead = null;
                        queue.clear();
                        break;
                    }
                    if (payload instanceof SharedPush push) {
                        payload = batchBytes > 0 && polledAhead == null && queue.peek() instanceof SharedPush
                                ? batch(push) : push.message();
                    }
                    try {
                        if (payload instanceof String text) {
                            connection.sendText(text);
                        } else if (payload instanceof SharedText shared) {
                            connection.sendText(shared.text(), shared.utf8());
                        } else {
                            connection.send((byte[]) payload);
                        }
                        scriber.metrics.bytesOut(peer(), payload instanceof String text ? text.length()
                                : payload instanceof SharedText shared ? shared.utf8().length
                                : ((byte[]) payload).length);
                    } catch (RuntimeException e) {
                        WARNINGS.warn("session {}: send failed, disconnecting: {}", peer(), e.toString());
                        session.disconnectBecause(e);
                    }
                }
            } finally {
                draining = false;
            }
        }
    }

    // A message polled from the queue while a push sat in the slot: sent after it. Used by the draining thread only.
    private Object polledAhead;

    /**
     * The next message to send: the push in the slot first. A push goes in the slot only when nothing was queued and
     * no thread was draining (see {@link #pushShared}), so what the queue holds once it is there came after it: a
     * message polled just as it was put there waits for it. Called by the draining thread only.
     */
    private Object takeNext() {
        Object next = HANDED.getAndSet(this, null);
        if (next != null) {
            return next;
        }
        if (polledAhead != null) {
            next = polledAhead;
            polledAhead = null;
            return next;
        }
        next = queue.poll();
        if (next != null) {
            Object slot = HANDED.getAndSet(this, null);
            if (slot != null) {
                polledAhead = next;
                return slot;
            }
        }
        return next;
    }

    /**
     * {@code first} and the pushes queued right after it, as many as fit the peer's batch size, as one {@code
     * add_scribes}; {@code first}'s own message when none follows that fits. Called by the draining thread only.
     */
    private Object batch(SharedPush first) {
        int limit = batchBytes;
        int size = BATCH_HEAD.length + first.scribe().length + 2;
        java.util.List<byte[]> scribes = new ArrayList<>();
        scribes.add(first.scribe());
        while (queue.peek() instanceof SharedPush next && size + 1 + next.scribe().length <= limit) {
            queue.poll();
            scribes.add(next.scribe());
            size += 1 + next.scribe().length;
        }
        if (scribes.size() == 1) {
            return first.message();
        }
        return payload(Json.join(BATCH_HEAD, scribes, ARRAY_END));
    }
}
