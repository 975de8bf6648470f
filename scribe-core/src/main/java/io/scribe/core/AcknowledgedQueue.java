package io.scribe.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Acknowledged positions ({@link Acknowledged}) that moved and are not written yet: each goes with the next commit, so
 * that a busy peer writes them in its commits instead of a transaction of their own per client (the timer writes
 * one if no commit comes first). Thread-safe: positions move on reading threads, commits stage them under the lock.
 */
final class AcknowledgedQueue {

    /** A position staged in a commit's cursors. */
    record Staged(Acknowledged acknowledged, long position) {}

    private final ConcurrentLinkedQueue<Acknowledged> waiting = new ConcurrentLinkedQueue<>();

    /** {@code a} moved: its position goes with the next commit, unless it waits already. */
    void add(Acknowledged a) {
        if (a.queue()) {
            waiting.add(a);
        }
    }

    /**
     * Adds the positions waiting to {@code tx}'s cursors, stamped with {@code clock}'s time; returns the ones added.
     * Caller holds the engine lock.
     */
    List<Staged> stage(Txn tx, java.time.Clock clock) {
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
    static void written(List<Staged> staged) {
        for (int i = 0; i < staged.size(); i++) {   // indexed: no iterator for the usual empty list
            staged.get(i).acknowledged().written(staged.get(i).position());
        }
    }

    /** The commit that carried {@code staged} failed: they go with a later one. */
    void notWritten(List<Staged> staged) {
        staged.forEach(st -> add(st.acknowledged()));
    }
}
