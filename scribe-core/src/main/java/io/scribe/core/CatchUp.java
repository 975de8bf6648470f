package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.LogPosition;
import java.util.concurrent.CompletableFuture;

/**
 * One session's catch-up from its peer: asks for the pages of the peer's log after this peer's cursor for it (the
 * next one before playing the current one, on the Scribe wire), has each played and stored with the new cursor in one
 * commit ({@link PagePlay}), and starts again a moment later when a page fails. Pages are played under the engine
 * lock, one at a time and in order: on the thread that reads
 * the session, or, for a page after which more follow, on its {@link PagePlayer}'s while that one reads the next.
 */
final class CatchUp {

    private final Session session;
    private final Scriber scriber;
    /** Plays each page into the store. */
    final PagePlay play;

    CatchUp(Session session) {
        this.session = session;
        this.scriber = session.scriber();
        this.play = new PagePlay(session);
        this.inOrder = new AnswersInOrder(e -> scriber.report(new ScribeException(ScribeException.INTERNAL,
                "catch-up from " + session.client().id() + " failed: " + e, e)));
    }

    // Where the catch-up stands: the one started last, whether one read the peer's log to its end, and one asked for
    // before the peer authenticated (started once it has).
    private volatile CompletableFuture<Void> running;
    private volatile boolean caughtUp;
    private volatile CompletableFuture<Void> deferred;

    /**
     * Starts a catch-up from the client's cursor (see {@link Session#sync()}), or defers it until the peer has
     * authenticated when the Scriber requires that. A failed one is started again a second later while the session
     * lives. The caller flushes.
     */
    CompletableFuture<Void> start() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        running = done;
        caughtUp = false;
        done.whenComplete((v, failure) -> {
            if (failure != null) {
                // A page that failed (no answer within the request timeout, a store that refused it): until a
                // catch-up finishes, pushes from the peer cannot move its cursor here, so try again a moment later
                // while the session lives (the peer's changes would otherwise wait for its next connection).
                retry(done);
            }
        });
        session.status.set(ConnectionStatus.State.CATCHING_UP, null);
        if (session.awaitsAuthentication()) {
            deferred = done;
            return done;
        }
        requestFromCursor(done);
        return done;
    }

    /** Asks for the first page after the stored cursor, in the log stored with it. */
    private void requestFromCursor(CompletableFuture<Void> done) {
        String from = session.client().cursor().orElse(null);
        own = asksOwn(from);
        startAt = from == null ? null
                : LogPosition.parse(scriber.store.cursor(LogIdentity.atKeyOf(session.client().id())).orElse(null));
        requestPage(from, session.client().storedLog(), done);
    }

    /**
     * Whether a catch-up from {@code from} asks for this peer's own scribes too: one from the start of the peer's log,
     * and one resuming such a catch-up that did not reach the end (a restart in between).
     */
    private boolean asksOwn(String from) {
        return from == null || scriber.store.cursor(LogIdentity.ownKeyOf(session.client().id())).isPresent();
    }

    /** What the scribe at the cursor this catch-up started from was, as stored with it; null if unknown. */
    LogPosition startAt() {
        return startAt;
    }

    /** The catch-up started last, or null before the first. */
    CompletableFuture<Void> running() {
        return running;
    }

    /** Whether the catch-up started last has read the peer's log to its end. */
    boolean caughtUp() {
        return caughtUp;
    }

    /** The catch-up read the peer's log to its end: the session is online. */
    private void markCaughtUp() {
        caughtUp = true;
        session.status.set(ConnectionStatus.State.ONLINE, null);
    }

    /** A session that serves one exchange has nothing to catch up: its pushed scribes move the cursor at once. */
    void assumeCaughtUp() {
        caughtUp = true;
    }

    /** A pushed scribe could not be stored: pushes stop moving the cursor until a new catch-up is done. */
    void notCaughtUp() {
        caughtUp = false;
    }

    /** Starts the catch-up deferred until the peer authenticated, if one was. */
    void startDeferred() {
        CompletableFuture<Void> waiting = deferred;
        if (waiting != null) {
            deferred = null;
            requestFromCursor(waiting);
        }
    }

    /**
     * Starts a new catch-up a second from now, if the session is still open and no catch-up is running other than
     * {@code failed} (null: any finished one).
     */
    void retry(CompletableFuture<Void> failed) {
        try {
            scriber.timer.schedule(() -> {
                CompletableFuture<Void> current = running;
                if (session.isOpen() && !caughtUp && !scriber.closed && (current == null || current == failed
                        || (failed == null && current.isDone()))) {
                    try {
                        session.sync();
                    } catch (RuntimeException e) {
                        org.slf4j.LoggerFactory.getLogger(Session.class).debug(
                                "session {}: catch-up not restarted: {}", session.client().id(), e.toString());
                    }
                }
            }, 1, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The Scriber is closing.
        }
    }

    /** The session closed: the running catch-up fails. */
    void closed() {
        CompletableFuture<Void> current = running;
        if (current != null) {
            current.completeExceptionally(new ScribeException(ScribeException.TIMEOUT, "session closed"));
        }
    }

    // Answers to page requests, handled one at a time in the order they came (the answer to the page asked for ahead
    // may arrive while the page before it is still being played).
    private final AnswersInOrder inOrder;
    // Whether the running catch-up started from the start of the peer's log: each of its pages then asks for this
    // peer's own scribes too (its store may be new under an old name).
    private volatile boolean own;
    // What the scribe at the stored cursor was, stated with the first page's sync (see LogPosition); null if unknown.
    private volatile LogPosition startAt;

    /**
     * Asks for the page after {@code from}, a position in the peer's log named {@code log} (the identity the peer
     * stated with it, see {@link LogIdentity}; null if it stated none).
     */
    void requestPage(String from, String log, CompletableFuture<Void> done) {
        ObjectNode sync = Json.object().put("type", "sync");
        if (from == null) {
            sync.putNull("from");
        } else {
            sync.put("from", from);
        }
        if (!session.wire().isSyncro()) {
            if (own) {
                sync.put("own", true);
            }
            if (from != null && log != null) {
                sync.put("log", log);
            }
            LogPosition at = startAt;
            if (at != null && at.position().equals(from)) {
                sync.set("at", at.json());
            }
            // The pushes that follow the last page may come without request ids: this peer acknowledges them
            // cumulatively (see Intake#answer), and takes several in one add_scribes (see Intake#addScribes).
            sync.put("limit", scriber.pageSize).put("acks", "cumulative")
                    .put("batches", Intake.batchBytes(scriber, session)).put("frame", session.wire().maxFrameBytes());
            if (!session.isTrustedRelay()) {
                // Its scribes of other origins (those it was relayed, by this peer among others) would be refused
                // with 403 one by one: the peer leaves them out of its pages.
                sync.put("relayed", false);
            }
        } else {
            // Syncro ignores keys it does not know; a Scribe peer learns it need not wait (see handleSync).
            sync.put("clocked", true);
        }
        session.outbox.requestPage(sync).whenComplete((page, failure) -> inOrder.run(() -> {
            if (done.isDone()) {
                // A page before this one failed (or the session closed): the catch-up resumes from the cursor
                // stored with the last page played, and this one, asked for ahead, is not played.
                return;
            }
            if (failure instanceof ScribeException se && se.code() == ScribeException.TOO_MANY_REQUESTS
                    && session.isOpen()) {
                // The peer bounds its requests per second: ask again a moment later.
                scriber.timer.schedule(() -> {
                    requestPage(from, log, done);
                    scriber.flush();
                }, 1, java.util.concurrent.TimeUnit.SECONDS);
                return;
            }
            if (failure != null) {
                done.completeExceptionally(failure);
                return;
            }
            JsonNode response = page.message();
            boolean more = response.path("more").asBoolean(false);
            JsonNode ahead = response.get("cursor");
            JsonNode stated = response.get("log");
            String pageLog = stated != null && stated.isTextual() ? stated.asText() : null;
            boolean asked = false;
            if (more && session.syncro == null && ahead != null && ahead.isTextual() && !ahead.asText().equals(from)) {
                // The next page is asked for before this one is played, so the peer reads it meanwhile. Pages are
                // answered and played in order (this callback runs on the thread that reads the session, or on its
                // page player's).
                requestPage(ahead.asText(), pageLog, done);
                scriber.flush();
                // Out now, not when this thread is done playing the page.
                session.writeNow();
                asked = true;
            }
            try {
                String next = play.play(from, page, own);
                scriber.metrics.caughtUpPage(session.client().id(), page.size(), more);
                if (asked) {
                    return;
                }
                if (more && next != null && !next.equals(from)) {
                    requestPage(next, pageLog, done);
                    scriber.flush();
                } else {
                    markCaughtUp();
                    done.complete(null);
                }
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        }));
    }
}
