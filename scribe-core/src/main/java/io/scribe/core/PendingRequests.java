package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.SyncPage;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The requests a session sent that wait for their answers, by request id: each is completed by its answer, or fails
 * when the request timeout passes (one sweep per Scriber, {@link #expire}; no timer task per message) or the session
 * closes. Thread-safe.
 */
final class PendingRequests {

    /**
     * A request waiting for its answer: the whole {@code response} ({@code future}), or, for a {@code sync} that asks
     * for a page of the peer's log, the page ({@code page}, see {@link SyncPage}); the other one is null. {@code
     * deadline} is in {@link System#nanoTime()} terms.
     */
    record Pending(CompletableFuture<JsonNode> future, CompletableFuture<SyncPage> page, long deadline) {

        /** Completes the request with its answer, parsed as a tree. */
        void complete(JsonNode message) {
            if (future != null) {
                future.complete(message);
            } else {
                page.complete(SyncPage.of(message));
            }
        }

        /** Fails the request. */
        void fail(Throwable e) {
            if (future != null) {
                future.completeExceptionally(e);
            } else {
                page.completeExceptionally(e);
            }
        }
    }

    private final Session session;
    private final Scriber scriber;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();

    PendingRequests(Session session) {
        this.session = session;
        this.scriber = session.scriber();
    }

    /** A request that waits for {@code future}'s answer, or {@code page}'s, until the request timeout from now. */
    Pending waiting(CompletableFuture<JsonNode> future, CompletableFuture<SyncPage> page) {
        return new Pending(future, page, System.nanoTime() + scriber.requestTimeout.toNanos());
    }

    /**
     * Gives {@code message} the session's next request id and has {@code waiting} wait for its answer; returns false,
     * with {@code waiting} failed (408), when the session is closed.
     */
    boolean open(ObjectNode message, Pending waiting) {
        int id = nextId();
        message.put("id", id);
        if (!session.isOpen()) {
            waiting.fail(new ScribeException(ScribeException.TIMEOUT, "session closed"));
            return false;
        }
        await(id, waiting);
        return true;
    }

    /** The session's next request id. */
    int nextId() {
        return ids.incrementAndGet();
    }

    /** Has {@code waiting} wait for the answer to request {@code id}, sent under {@link #nextId()}. */
    void await(int id, Pending waiting) {
        pending.put(id, waiting);
    }

    /** The request {@code id}'s answer came: returns what waits for it (to complete), or null when nothing does. */
    Pending answered(int id) {
        return pending.remove(id);
    }

    /**
     * The request {@code id}'s answer came and is a page read from its frame: returns the page request waiting for
     * it (to complete), or null, leaving it waiting, when {@code id} is not a page request's (or no longer waits).
     */
    CompletableFuture<SyncPage> answeredPage(int id) {
        Pending p = pending.get(id);
        return p != null && p.page() != null && pending.remove(id, p) ? p.page() : null;
    }

    /** Number of requests sent and not yet answered. */
    int size() {
        return pending.size();
    }

    /** Fails the requests whose deadline has passed. */
    void expire(long now) {
        for (Map.Entry<Integer, Pending> e : pending.entrySet()) {
            if (now - e.getValue().deadline() >= 0 && pending.remove(e.getKey(), e.getValue())) {
                e.getValue().fail(new ScribeException(ScribeException.TIMEOUT,
                        "no answer from " + session.client().id() + " to request " + e.getKey() + " within "
                                + scriber.requestTimeout));
            }
        }
    }

    /** Fails every request still waiting: the session closed. */
    void failAll() {
        for (Integer id : new ArrayList<>(pending.keySet())) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.fail(new ScribeException(ScribeException.TIMEOUT,
                        "session to " + session.client().id() + " closed before request " + id + " was answered"));
            }
        }
    }
}
