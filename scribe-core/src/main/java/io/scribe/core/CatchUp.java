package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.SyncPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One session's catch-up from its peer: asks for the pages of the peer's log after this peer's cursor for it (the
 * next one before playing the current one, on the Scribe wire), plays each page and stores it with the new cursor in
 * one commit, falls back to one scribe per commit when the store refuses a page, and fetches again a scribe that
 * could not be stored. Pages are played under the engine lock, one at a time and in order: on the thread that reads
 * the session, or, for a page after which more follow, on its {@link PagePlayer}'s while that one reads the next.
 */
final class CatchUp {

    private final Session session;
    private final Scriber scriber;
    /** The peer's own writes refused in the page being played. Guarded by the engine lock. */
    private final List<Map.Entry<Scribe, ScribeException>> refusedInPage = new ArrayList<>();

    /** A snapshot the peer is sending (see {@link SnapshotReceiver}). */
    private final SnapshotReceiver snapshots;

    CatchUp(Session session) {
        this.session = session;
        this.scriber = session.scriber();
        this.snapshots = new SnapshotReceiver(session);
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
        requestPage(session.client().cursor().orElse(null), session.client().storedLog(), done);
        return done;
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
            requestPage(session.client().cursor().orElse(null), session.client().storedLog(), waiting);
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
            if (from == null) {
                // From the start: this peer's own scribes too (its store may be new under an old name).
                sync.put("own", true);
            } else if (log != null) {
                sync.put("log", log);
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
                String next = playPage(from, page);
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

    /**
     * Plays one catch-up page and stores it with the new cursor, atomically. Returns the new cursor. When the store
     * refuses the page, it is played again one scribe at a time, so that one scribe the store cannot keep is skipped
     * (see {@link #playOneByOne}) instead of stopping every later catch-up at the same page.
     */
    private String playPage(String from, SyncPage page) {
        List<?> result = result(page);
        JsonNode response = page.message();
        JsonNode snapshot = response.get("snapshot");
        // Only a snapshot from the peer this one relays through (its server, marked by Session.trustAsRelay) can tell
        // it what was destroyed there: another peer's snapshot (a client's, another server node's trusted by a rule)
        // holds what that peer has, not what exists.
        if (snapshot != null && snapshot.isObject() && snapshot.path("start").asBoolean(false)
                && session.client().acknowledged.isUpstream()) {
            snapshots.start(Acknowledged.parse(snapshot.path("stored").asText("")));
        }
        String cursor;
        List<Scribe> clockless = new ArrayList<>();
        List<Scribe> clocked = new ArrayList<>();
        scriber.lock.lock();
        try {
            if (snapshot != null && snapshot.isObject() && snapshots.receiving()) {
                snapshots.noteCreates(result);
            }
            refusedInPage.clear();
            JsonNode window = response.get("window");
            if (window != null && window.canConvertToInt() && window.asInt() > 0) {
                session.intake.peerWindow(window.asInt(), response.get("ackDelay"));
            }
            JsonNode log = response.get("log");
            if (log != null && log.isTextual()) {
                // The cursors stored from here on are positions in this log.
                session.client().log = log.asText();
            }
            Txn tx = new Txn();
            tx.history = session.syncro != null && (from == null || from.isEmpty());
            cursor = playInto(result, from, tx, clockless, clocked, page.dataBound());
            JsonNode explicit = response.get("cursor");
            if (explicit != null && !explicit.isNull()) {
                cursor = explicit.asText();
            }
            List<ObjectNode> fixes = clockless.isEmpty() ? List.of() : session.syncro.played(clockless, tx, true);
            if (!clocked.isEmpty()) {
                fixes = new ArrayList<>(fixes);
                fixes.addAll(session.syncro.destroysFor(clocked, tx));
            }
            if (cursor != null && !cursor.equals(from) && !Snapshot.isCursor(cursor)) {
                if (session.syncro != null && (!fixes.isEmpty() || session.syncro.correcting > 0)) {
                    // Held back until the peer answered the corrections: if they are lost, the page is read again.
                    session.syncro.heldCursor = cursor;
                } else {
                    tx.cursor(session.client(), cursor);
                }
            }
            // At the end of a whole snapshot, what it no longer carries goes in the same commit as its last page and
            // the cursor past it: a stop in between replays the snapshot rather than skip the forgetting.
            boolean snapshotEnds = snapshot != null && snapshot.isObject() && snapshot.path("end").asBoolean(false)
                    && snapshots.receiving();
            List<io.scribe.core.spi.ObjectState> forgotten = snapshotEnds ? snapshots.forgetDropped(tx) : List.of();
            try {
                scriber.commit(tx);
            } catch (RuntimeException e) {
                if (result.size() == 0) {
                    throw e;
                }
                refusedInPage.clear();
                cursor = playOneByOne(from, result, explicit, e);
                fixes = List.of();
                if (snapshotEnds) {
                    // The page went in one scribe at a time: the forgetting follows in a commit of its own.
                    Txn again = new Txn();
                    forgotten = snapshots.forgetDropped(again);
                    scriber.commit(again);
                }
            }
            if (snapshotEnds) {
                snapshots.ended();
            }
            session.intake.correct(fixes);
            if (!forgotten.isEmpty()) {
                snapshots.forgetStates(forgotten);
            }
            // Told once the page is stored, with the states it left.
            refusedInPage.forEach(r -> session.intake.tellRefused(r.getKey(), r.getValue(), false));
            refusedInPage.clear();
        } finally {
            scriber.lock.unlock();
        }
        scriber.flush();
        return cursor;
    }

    /**
     * The scribes of a page, each a {@link Scribe} read from the frame or, for an answer parsed as a tree, a node of its
     * {@code result}, read as it is played (see {@link #playInto}).
     */
    private static List<?> result(SyncPage page) {
        if (page.scribes() != null) {
            return page.scribes();
        }
        JsonNode result = page.message().path("result");
        if (!result.isArray()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "sync response without a result array");
        }
        List<JsonNode> nodes = new ArrayList<>(result.size());
        result.forEach(nodes::add);
        return nodes;
    }

    /**
     * Plays {@code scribes} into {@code tx}, each a {@link Scribe} or its JSON tree (read here: one that is not a
     * scribe is refused); returns the cursor after them. Refused scribes are reported and passed.
     */
    String playInto(List<?> scribes, String cursor, Txn tx, List<Scribe> clockless) {
        return playInto(scribes, cursor, tx, clockless, null, 0);
    }

    /**
     * {@link #playInto(List, String, Txn, List)}, collecting a Syncro peer's scribes with clocks in {@code clocked},
     * each scribe's data bounded by {@code dataBound} bytes (0: unknown; see {@link SyncPage#dataBound}).
     */
    private String playInto(List<?> scribes, String cursor, Txn tx, List<Scribe> clockless, List<Scribe> clocked,
            long dataBound) {
        for (int i = 0; i < scribes.size(); i++) {
            Object item = scribes.get(i);
            Scribe scribe = null;
            try {
                scribe = session.intake.credited(item instanceof Scribe read ? read : Json.scribe((JsonNode) item));
                session.intake.checkOrigin(scribe);
                Admission.check(scriber, session, scribe, 0, dataBound);
                scriber.player.play(scribe, session.client(), session, tx);
                if (clockless != null && session.syncro != null && scribe.clock() == 0) {
                    clockless.add(scribe);
                } else if (clocked != null && session.syncro != null) {
                    clocked.add(scribe);
                }
            } catch (ScribeException e) {
                // A refused scribe is skipped for good: the page goes on, and the cursor passes it. Not a refusal:
                // an update of an object the page sends whole later on (as a server sends an object again to a peer
                // its policy has just let see it), which the create carries.
                if (e.code() != ScribeException.NOT_FOUND || !Player.createdLater(scriber, scribe, scribes, i)) {
                    scriber.metrics.refused(session.client().id(), e.code());
                    scriber.report(new ScribeException(e.code(),
                            "catch-up from " + session.client().id() + ": " + e.getMessage(), e));
                    if (scribe != null) {
                        refusedInPage.add(Map.entry(scribe, e));
                    }
                }
                String sid = idOf(item);
                if (sid != null) {
                    cursor = sid;
                }
                continue;
            }
            if (scribe.id() != null) {
                cursor = scribe.id();
            }
        }
        return cursor;
    }

    /** The id of a scribe or of its JSON tree, as {@link Json#scribe(JsonNode)} reads it: null when missing or null. */
    private static String idOf(Object item) {
        if (item instanceof Scribe scribe) {
            return scribe.id();
        }
        JsonNode id = ((JsonNode) item).get("id");
        return id == null || id.isNull() ? null : id.asText();
    }

    /**
     * Plays a page the store refused as a whole one scribe per commit. A scribe whose commit fails while the store
     * still takes a write of the cursor past it cannot be kept here (a stricter store than the sender's): it is
     * recorded as failed ({@link Scriber#failedScribes()}, the error listener) and passed. When the store takes
     * nothing, it is failing as a whole: the catch-up stops at the last scribe stored and fails with the cause.
     */
    private String playOneByOne(String from, List<?> result, JsonNode explicit, RuntimeException pageFailure) {
        String cursor = from;
        for (Object item : result) {
            Txn one = new Txn();
            String next = playInto(List.of(item), cursor, one, null);
            if (next != null && !next.equals(cursor)) {
                one.cursor(session.client(), next);
            }
            try {
                scriber.commit(one);
            } catch (RuntimeException failed) {
                if (next == null || next.equals(cursor)) {
                    throw failed;
                }
                Txn past = new Txn();
                past.cursor(session.client(), next);
                // Kept with the cursor: a restart still knows it, and retryFailed fetches it again from before it.
                scriber.failures.stage(past, session.client(), item, failed, cursor);
                try {
                    scriber.commit(past);
                } catch (RuntimeException storeDown) {
                    throw pageFailure;
                }
                scriber.failures.failed(session.client(), item, failed);
            }
            cursor = next;
        }
        if (explicit != null && !explicit.isNull() && !explicit.asText().equals(cursor)
                && !Snapshot.isCursor(explicit.asText())) {
            Txn end = new Txn();
            end.cursor(session.client(), explicit.asText());
            scriber.commit(end);
            cursor = explicit.asText();
        }
        return cursor;
    }
}
