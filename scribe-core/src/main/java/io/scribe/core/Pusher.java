package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's live pushes: each new scribe of this peer's log that the session's peer may see goes out as {@code
 * add_scribe}, in log order. On the Scribe wire at most {@link Scriber.Builder#pushWindow} of them are unanswered at a
 * time; beyond that they wait in the log, and are read from it (under the same visibility rules) as answers come in.
 * A push that times out when nothing was answered for the whole request timeout closes the session. Runs under the
 * engine lock, except where an answer arrives, which takes it. Answers come one by one or as one cumulative {@code
 * ack} for many (see {@link #acknowledged}).
 */
final class Pusher {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final Session session;
    private final Scriber scriber;

    // Pushes the peer has not answered yet (counted down without the lock as answers come in), and whether pushes
    // wait in the log (set under the lock; an answer takes the lock only then). Between the two, an answer that sees
    // no wait and a push that starts one cannot both miss each other: the push re-reads the count after setting it.
    // (A field with an updater rather than an atomic object: a change relayed to many sessions touches fewer objects.)
    private volatile int pushesInFlight;
    private static final java.util.concurrent.atomic.AtomicIntegerFieldUpdater<Pusher> IN_FLIGHT =
            java.util.concurrent.atomic.AtomicIntegerFieldUpdater.newUpdater(Pusher.class, "pushesInFlight");
    private volatile boolean pushBehind;
    // The log position of the last scribe pushed or passed over, the scribes the session itself sent while pushes
    // wait (never sent back to it), and when the peer last answered a push. Guarded by the engine lock.
    private boolean refilling;
    private long pushedUpTo;
    private final java.util.Set<Long> fromPeer = new java.util.HashSet<>();
    private volatile long lastAnswer = System.nanoTime();
    // Whether the peer acknowledges pushes cumulatively (it said so in its sync): pushes then carry no request id.
    private volatile boolean acksCumulative;

    Pusher(Session session) {
        this.session = session;
        this.scriber = session.scriber();
    }

    /**
     * Pushes one of our scribes as {@code add_scribe}, in log order; on the Scribe wire, once the window of
     * unanswered pushes is full, it waits in the log and is read from there when answers come in (see {@link
     * #answered}). Called under the Scriber's lock.
     */
    void push(Scribe scribe) {
        push(EncodedScribe.of(scribe));
    }

    /** {@link #push(Scribe)} for a scribe encoded once for every session it is pushed to. */
    void push(EncodedScribe scribe) {
        if (session.syncro == null) {
            if (pushBehind || pushesInFlight >= scriber.pushWindow) {
                pushBehind = true;
                // What waits may have become readable only now (another node's append, absorbed just now), or room
                // was made by answers that came before pushBehind was set.
                refill();
                return;
            }
            pushedUpTo = scribe.position();
            IN_FLIGHT.incrementAndGet(this);
        }
        send(scribe);
    }

    /**
     * The peer said, in its {@code sync}, that it acknowledges pushes cumulatively ({@code ack} with the position of
     * this log it has stored, {@code error} naming a refused scribe): from now on pushes go without a request id, one
     * message shared by every such session (see {@link Outbox#pushShared}). Set before the answer that starts pushing.
     */
    void peerAcksCumulative() {
        acksCumulative = true;
    }

    /** Whether the peer said it acknowledges pushes cumulatively. */
    boolean acksCumulative() {
        return acksCumulative;
    }

    /** Whether pushes wait in the log for room in the window. Caller holds the engine lock. */
    boolean behind() {
        return pushBehind;
    }

    /**
     * A scribe this session's peer sent (the relay skips it for this session): never sent back to it. While pushes
     * wait in the log, it is remembered so that reading the log passes it; otherwise every scribe before it was
     * pushed or passed already, so the log is read after it once pushes come to wait. Called under the Scriber's lock.
     */
    void cameFromPeer(Scribe scribe) {
        if (scribe.id() == null || session.syncro != null) {
            return;
        }
        long position = Acknowledged.parse(scribe.id());
        if (pushBehind) {
            fromPeer.add(position);
        } else {
            pushedUpTo = Math.max(pushedUpTo, position);
        }
    }

    /**
     * An answer to a windowed push came (or it failed): when pushes wait in the log, pushes what waits while the
     * window has room. Takes the engine lock only then, so answers do not queue behind a commit.
     */
    private void answered() {
        answered(1);
    }

    /** {@code n} pushes were answered (or failed): see {@link #answered()}. */
    private void answered(int n) {
        IN_FLIGHT.addAndGet(this, -n);
        if (!pushBehind) {
            return;
        }
        scriber.lock.lock();
        try {
            refill();
        } finally {
            scriber.lock.unlock();
        }
        scriber.flush();
    }

    /**
     * Reads what waits in the log, up to what this node has made visible (a store shared with other nodes may hold
     * appends not absorbed yet), and pushes what the peer may see while the window has room. A failure to read
     * closes the session: the peer catches up from its cursor when it connects again. Caller holds the lock.
     */
    private void refill() {
        if (!pushBehind || refilling || !session.isOpen() || pushesInFlight > scriber.pushWindow / 2) {
            return;
        }
        refilling = true;
        try {
            while (session.isOpen()) {
                int room = scriber.pushWindow - pushesInFlight;
                List<Scribe> page = scriber.store.readAfter(pushedUpTo, room);
                for (Scribe s : page) {
                    long id = Acknowledged.parse(s.id());
                    if (!scriber.sharedLog.visibleHere(id)) {
                        // Another node's append this node has not absorbed: its push follows the absorption.
                        return;
                    }
                    pushedUpTo = id;
                    if (!fromPeer.remove(id) && scriber.relay.visibleTo(s, session.client().id())) {
                        IN_FLIGHT.incrementAndGet(this);
                        send(EncodedScribe.of(s));
                    }
                }
                if (page.size() < room) {
                    // Under the lock: the next commit pushes again directly.
                    pushBehind = false;
                    fromPeer.clear();
                    if (refusedUpTo > 0) {
                        // A refusal that came while pushes waited: confirmed now (nothing if passed meanwhile).
                        confirmPushed(refusedUpTo);
                    }
                    return;
                }
                if (pushesInFlight >= scriber.pushWindow) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            scriber.report(new ScribeException(ScribeException.INTERNAL, "reading the log for "
                    + session.client().id() + " failed; closing the session, the peer catches up when back: " + e, e));
            session.disconnectBecause(e);
        } finally {
            refilling = false;
        }
    }

    /**
     * Asks the peer to confirm the pushes up to {@code upTo}, one of them refused: see {@link #confirmPushed}.
     * While pushes wait in the log the confirmation waits too, and goes once they are all sent (see {@link #refill}).
     * A push refused before it was sent (too large for this session's frames) is answered on the thread that pushed
     * it, under the engine lock: then its caller sends what this queues.
     */
    private void confirmAfterRefusal(long upTo) {
        boolean held = scriber.lock.isHeldByCurrentThread();
        scriber.lock.lock();
        try {
            refusedUpTo = Math.max(refusedUpTo, upTo);
            confirmPushed(upTo);
        } finally {
            scriber.lock.unlock();
        }
        if (!held) {
            scriber.flush();
        }
    }

    // The newest refused push, confirmed again once pushes no longer wait in the log. Guarded by the engine lock.
    private long refusedUpTo;

    /** Sends one scribe as {@code add_scribe} and follows its answer. Caller holds the engine lock. */
    private void send(EncodedScribe encoded) {
        Scribe scribe = encoded.scribe();
        if (scriber.metrics != io.scribe.core.spi.ScribeMetrics.NONE) {
            scriber.metrics.relayed(scribe, session.client().id());
        }
        ObjectNode json = null;
        ObjectNode message = null;
        CompletableFuture<JsonNode> answered;
        if (session.syncro != null) {
            message = Json.object().put("type", "add_scribe");
            json = session.syncro.outgoing(scribe);
            message.set("scribe", json);
            answered = session.enqueueRequest(message);
        } else if (acksCumulative) {
            sendShared(encoded);
            return;
        } else {
            answered = session.outbox.push(encoded);
        }
        reportFailure(answered);
        long pushed = encoded.position();
        answered.thenAccept(r -> session.client().acknowledged.advance(pushed));
        if (session.syncro == null) {
            answered.whenComplete((r, e) -> {
                if (e == null) {
                    lastAnswer = System.nanoTime();
                } else if (e instanceof ScribeException se && se.code() == ScribeException.TIMEOUT && session.isOpen()
                        && System.nanoTime() - lastAnswer >= scriber.requestTimeout.toNanos()) {
                    // At most a window of pushes is in flight, and none was answered for the whole timeout: a peer
                    // that stopped reading. The session closes; the peer catches up from its cursor when it is back.
                    session.disconnectBecause(se);
                } else if (e instanceof ScribeException se && se.code() >= 400 && se.code() < 500
                        && se.code() != ScribeException.TIMEOUT && session.isOpen()) {
                    // Refused for good: the peer does not move its cursor here for it, so nothing would acknowledge
                    // it until another push or the next catch-up passes it. Confirming the pushes up to it lets the
                    // peer pass it now (after every push queued before the confirmation).
                    lastAnswer = System.nanoTime();
                    confirmAfterRefusal(pushed);
                }
                answered();
            });
        }
        if (session.syncro != null) {
            session.syncro.sent(json, message.path("id").asInt());
        }
    }

    /**
     * A push to a peer that acknowledges cumulatively: one message for every such session, followed not by a request
     * but by its place among {@link #unanswered} until an {@code ack} passes it ({@link #acknowledged}), an {@code
     * error} names it ({@link #refused}) or it expires ({@link #expire}). Caller holds the engine lock.
     */
    private void sendShared(EncodedScribe scribe) {
        long position = scribe.position();
        // Registered before it is queued: another thread's flush may send it, and the peer's ack arrive, at once.
        unanswered.add(position, scribe.answerDue(scriber.requestTimeout));
        int size = session.outbox.pushShared(scribe);
        if (size > 0) {
            return;
        }
        unanswered.takeBack(position);
        failed(position, new ScribeException(ScribeException.TOO_LARGE, "message of " + (-size) + " bytes to "
                + session.client().id() + " exceeds the maximum of " + session.outbox.frameLimit() + "; not sent"));
    }

    // Pushes to a peer that acknowledges cumulatively, in log order, until answered.
    private final UnansweredPushes unanswered = new UnansweredPushes();

    /**
     * The peer's {@code ack}: it played and stored every push up to {@code upTo}, a position of this log, except those
     * it refused with an {@code error} naming them (sent before the ack that passes them). Moves the client's
     * acknowledged position once for them all and makes room in the window. Called on the reading thread.
     */
    void acknowledged(long upTo) {
        UnansweredPushes.Taken passed = unanswered.upTo(upTo);
        if (passed.count() == 0) {
            return;
        }
        lastAnswer = System.nanoTime();
        session.client().acknowledged.advance(passed.last());
        answered(passed.count());
    }

    /**
     * The peer refused the push of the scribe at {@code position} ({@code error} naming it). Returns false when no
     * push of that position waits for an answer. Called on the reading thread.
     */
    boolean refused(long position, ScribeException refusal) {
        boolean found = unanswered.remove(position);
        if (found) {
            failed(position, refusal);
        }
        return found;
    }

    /**
     * A push to a peer that acknowledges cumulatively failed: reported (unless the session closed), and, when
     * refused for good (4xx but 408), confirmed past as a refused request-answered push is (see {@link #send}).
     */
    private void failed(long position, ScribeException e) {
        if (session.isOpen()) {
            scriber.report(e);
            if (e.code() >= 400 && e.code() < 500 && e.code() != ScribeException.TIMEOUT) {
                lastAnswer = System.nanoTime();
                confirmAfterRefusal(position);
            }
        }
        answered(1);
    }

    /**
     * Expires the pushes to a peer that acknowledges cumulatively whose request timeout passed: reported once, and,
     * when the peer answered nothing for the whole timeout (it stopped reading), the session closes; the peer catches
     * up from its cursor when it is back. Called by the Scriber's timer.
     */
    void expire(long now) {
        UnansweredPushes.Taken expired = unanswered.expired(now);
        int n = expired.count();
        if (n == 0) {
            return;
        }
        long first = expired.first();
        ScribeException e = new ScribeException(ScribeException.TIMEOUT, "no answer from " + session.client().id()
                + " to " + n + " push(es) from scribe " + first + " on within " + scriber.requestTimeout);
        if (session.isOpen()) {
            scriber.report(e);
            if (now - lastAnswer >= scriber.requestTimeout.toNanos()) {
                session.disconnectBecause(e);
            }
        }
        answered(n);
    }

    /** How many pushes to a peer that acknowledges cumulatively wait for an answer. */
    int unanswered() {
        return unanswered.size();
    }

    /** The session closed: nothing waits for an answer any more. */
    void closed() {
        unanswered.clear();
    }

    /**
     * Asks the peer, with a {@code noop}, to confirm it has played every push queued so far, when nothing waits in
     * the log for it: its answer acknowledges this log up to {@code upTo} (scribes it may not see, and its own, are
     * never pushed, so no answer to a push passes them). Used by {@link Compactor}, and after the peer refused a push
     * (which it passes only when confirmed, see {@link #confirmAfterRefusal}). Called under the Scriber's lock.
     */
    void confirmPushed(long upTo) {
        if (!session.pushing() || pushBehind || session.client().acknowledged.position() >= upTo) {
            return;
        }
        // The position goes with it: the peer may store it as its cursor here (see handleNoop), so its next
        // catch-up starts after the scribes it was never pushed, not before what compaction removed.
        ObjectNode noop = Json.object().put("type", "noop");
        if (session.syncro == null) {
            noop.put("cursor", Long.toString(upTo));
        }
        session.enqueueRequest(noop).thenAccept(r -> session.client().acknowledged.advance(upTo));
    }

    void reportFailure(CompletableFuture<JsonNode> request) {
        request.whenComplete((r, e) -> {
            if (e == null) {
                return;
            }
            if (!session.isOpen()) {
                // The scribe stays in the store for the peer's next catch-up: a closed session is no problem to
                // report once per push (a peer resetting its connection would flood the log).
                log.debug("session {}: push not answered before close", session.client().id());
                return;
            }
            scriber.report(e instanceof ScribeException se ? se
                    : new ScribeException(ScribeException.INTERNAL, e.toString(), e));
        });
    }
}
