package io.scribe.core;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Slows a local writer down to the pace of the sessions it pushes to: after a local write is stored, the writing
 * thread waits while any open session has {@code pushWindow} or more pushes the peer has not answered yet (see
 * {@link Scriber.Builder#pushWindow(int)}). A healthy slow peer thereby paces the producer instead of receiving an
 * unbounded queue whose tail times out. The wait is bounded by the request timeout and never fails the write, which
 * is stored already; a thread that holds the engine lock (a write from a listener) never waits.
 */
final class FlowControl {

    private static final Logger log = LoggerFactory.getLogger(FlowControl.class);

    /** Waits, without the engine lock, until every pushing session has room in its window. */
    void await(Scriber scriber) {
        if (scriber.lock.isHeldByCurrentThread()) {
            return;
        }
        long deadline = System.nanoTime() + scriber.requestTimeout.toNanos();
        for (Session s : scriber.sessions) {
            while (s.unansweredPushes() >= scriber.pushWindow && s.isOpen()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    log.debug("scriber {}: {} still has {} pushes unanswered; writing on", scriber.guid, s,
                            s.unansweredPushes());
                    return;
                }
                try {
                    s.awaitPushAnswered(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 50));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
