package io.scribe.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Acknowledged positions ({@link Acknowledged}) that moved and are not written yet: written together, in one commit of
 * their own, {@link #DELAY_MILLIS} after the first of them moved. A peer serving many clients that answer each push
 * thus writes their positions a few times a second, not with each of its commits (a change pushed to a thousand
 * clients would otherwise carry a thousand positions in the commit of the next change, before it is relayed).
 * Thread-safe: positions move on reading threads, the timer writes them under the engine lock.
 */
final class AcknowledgedQueue {

    private static final Logger log = LoggerFactory.getLogger(AcknowledgedQueue.class);

    /** How long after a position moves it is written, with every other that moved meanwhile. */
    static final long DELAY_MILLIS = 200;

    /** A position staged in a commit's cursors. */
    record Staged(Acknowledged acknowledged, long position) {}

    private final Scriber scriber;
    private final ConcurrentLinkedQueue<Acknowledged> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    AcknowledgedQueue(Scriber scriber) {
        this.scriber = scriber;
    }

    /**
     * {@code a} moved: its position is written shortly, unless it waits already. Once the Scriber is closed nothing is
     * queued (its sessions wrote their clients' positions as they closed, and {@link #close} what waited).
     */
    void add(Acknowledged a) {
        if (scriber.closed) {
            return;
        }
        if (a.queue()) {
            waiting.add(a);
            if (scheduled.compareAndSet(false, true)) {
                try {
                    scriber.timer.schedule(this::write, DELAY_MILLIS, TimeUnit.MILLISECONDS);
                } catch (RuntimeException e) {
                    // The Scriber is closing: its sessions write their clients' positions as they close.
                    scheduled.set(false);
                }
            }
        }
    }

    /**
     * The Scriber closes, its sessions closed: writes what waits now, while the store is open, rather than leave it to
     * a timer that may outlive the Scriber (one given to its builder); nothing is tried again after.
     */
    void close() {
        write();
    }

    /**
     * Writes every position waiting, in one commit; one the store refuses is tried again later, unless the Scriber is
     * closed.
     */
    void write() {
        scheduled.set(false);
        if (waiting.isEmpty()) {
            return;
        }
        // Through the engine, under its lock: stores see one commit at a time, and two writes of a position cannot
        // land out of order.
        scriber.lock.lock();
        try {
            Txn tx = new Txn();
            List<Staged> staged = stage(tx, scriber.wallClock);
            if (staged.isEmpty()) {
                return;
            }
            try {
                scriber.commit(tx);
            } catch (RuntimeException e) {
                log.debug("cannot store {} acknowledged positions: {}", staged.size(), e.toString());
                notWritten(staged);
                return;
            }
            written(staged);
        } finally {
            scriber.lock.unlock();
        }
        // The commit may have read another node's appends on a shared store: their pushes go out now.
        scriber.flush();
    }

    /**
     * Adds the positions waiting to {@code tx}'s cursors, stamped with {@code clock}'s time; returns the ones added.
     * Caller holds the engine lock.
     */
    private List<Staged> stage(Txn tx, java.time.Clock clock) {
        if (waiting.isEmpty()) {
            return List.of();
        }
        List<Staged> staged = new ArrayList<>();
        // One wall time for every position of the commit: the clock is read once, not per client.
        long millis = clock.millis();
        for (Acknowledged a; (a = waiting.poll()) != null; ) {
            a.dequeued();
            long at = a.stage(tx.cursors(), millis);
            if (at >= 0) {
                staged.add(new Staged(a, at));
            }
        }
        return staged;
    }

    /** The commit that carried {@code staged} was stored. */
    private static void written(List<Staged> staged) {
        for (int i = 0; i < staged.size(); i++) {   // indexed: no iterator for the usual empty list
            staged.get(i).acknowledged().written(staged.get(i).position());
        }
    }

    /** The commit that carried {@code staged} failed: they are written later. */
    private void notWritten(List<Staged> staged) {
        staged.forEach(st -> add(st.acknowledged()));
    }
}
