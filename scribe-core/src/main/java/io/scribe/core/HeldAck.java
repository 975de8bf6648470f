package io.scribe.core;

import io.scribe.core.internal.Json;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The cumulative {@code ack} a session owes its peer for the pushes it played (delayed acknowledgement, see {@link
 * Scriber.Builder#ackDelay}, and {@link Scriber.Builder#receiverAckDelay} for a pusher that states the delay): the id
 * of the last push played since the last ack, how many were, and the timer that sends the ack when it is held back.
 * Guarded by the engine lock.
 */
final class HeldAck {

    private final Session session;
    private final Scriber scriber;
    private String upTo;
    private int count;
    private ScheduledFuture<?> timer;
    // The pusher's window, as its answer to this peer's sync stated it; 0 while unknown.
    private int peerWindow;
    // How long the pusher lets this peer hold its acks, as that answer stated it, in nanoseconds; -1 when it stated
    // nothing usable (then this peer's own ackDelay applies).
    private long statedDelay = -1;

    HeldAck(Session session) {
        this.session = session;
        this.scriber = session.scriber();
    }

    /** A push without a request id, the scribe {@code id} of the peer's log, was played: the next ack passes it. */
    void played(String id) {
        upTo = id;
        count++;
    }

    /**
     * The pusher stated its window in its answer to this peer's {@code sync}, and with it perhaps how long this peer
     * may hold its acks (see {@link #statedDelay}); the latest answer's statement counts, and one without it (or with
     * one not usable) leaves this peer's own {@code ackDelay}.
     */
    void peerWindow(int scribes, com.fasterxml.jackson.databind.JsonNode ackDelay) {
        peerWindow = scribes;
        statedDelay = statedDelay(ackDelay);
    }

    /**
     * The hold a pusher stated ({@code ackDelay} in its answer to {@code sync}, milliseconds), in nanoseconds, or -1
     * when it is not to be used: absent, not a JSON number, not a number at all or negative. A fraction counts whole
     * milliseconds (rounded down); a value over 10 seconds ({@link ScriberOptions#MAX_RECEIVER_ACK_DELAY}) counts as
     * 10 seconds, so no pusher can make this peer hold its acks for long.
     */
    static long statedDelay(com.fasterxml.jackson.databind.JsonNode ackDelay) {
        if (ackDelay == null || !ackDelay.isNumber()) {
            return -1;
        }
        // A JSON number out of a double's range reads as infinite (or as the largest double), and so as the maximum.
        double millis = ackDelay.asDouble();
        if (!(millis >= 0)) {
            return -1;
        }
        return TimeUnit.MILLISECONDS.toNanos((long) Math.min(millis, ScriberOptions.MAX_RECEIVER_ACK_DELAY.toMillis()));
    }

    /** How long this peer holds an ack: what the pusher stated, or else its own {@code ackDelay}. */
    private long delay() {
        return statedDelay >= 0 ? statedDelay : scriber.ackDelay.toNanos();
    }

    /**
     * Acknowledges the pushes played since the last {@code ack}, if any: at once when the pusher's window is not
     * known, when acks are not delayed or when they reach half the window; otherwise within the delay, with whatever
     * else was played by then. Called after a batch of pushes was answered.
     */
    void send() {
        if (upTo == null) {
            return;
        }
        long delay = delay();
        if (delay == 0 || peerWindow <= 0 || count >= Math.max(1, peerWindow / 2)) {
            sendNow();
        } else if (timer == null) {
            try {
                timer = scriber.timer.schedule(this::delayRanOut, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // The timer stopped (the Scriber is closing): no later ack, so this one goes now.
                sendNow();
            }
        }
    }

    /** Sends the ack held back, if any; returns whether there was one. */
    boolean sendHeld() {
        if (upTo == null) {
            return false;
        }
        sendNow();
        return true;
    }

    private void sendNow() {
        session.enqueue(Json.object().put("type", "ack").put("up_to", upTo));
        upTo = null;
        count = 0;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The delay of a held-back ack ran out: it is sent, with every push played until now. */
    private void delayRanOut() {
        scriber.lock.lock();
        try {
            timer = null;
            if (session.isOpen()) {
                sendHeld();
            }
        } finally {
            scriber.lock.unlock();
        }
        scriber.flush();
    }
}
