package io.scribe.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Commits the local writes of several threads together (group commit). A writer queues its step (what builds its
 * {@link Txn}); one writer at a time leads: it takes the engine lock, runs every step queued by then, in the order
 * they were queued, and stores them with one commit ({@link Committer#commitGroup}). The other writers wait for their
 * own write, not for the lock: a writer whose step another leader committed returns as soon as that commit is done,
 * and a writer queued too late for the group under way leads the next one. A write never waits for a timer or for
 * later writers: at most for the commit under way and then its own. A writer that finds no write queued and no leader
 * commits its own write at once, without queueing it. Writes from a thread that holds the lock already
 * (inside {@link Scriber#atomically}, a listener) are committed at once, as a step of their own.
 *
 * <p>A step that fails (an object not tracked, a scribe too large for a frame) fails only its own write. When the store
 * refuses a group's commit, nothing of it is visible and each write is tried again alone, so that a write fails only
 * when the store refuses it on its own (a store that is down is then tried once more per writer).
 */
final class GroupCommit {

    private final Scriber scriber;
    private final ConcurrentLinkedQueue<Write> queued = new ConcurrentLinkedQueue<>();
    /** Whether a writer leads a group: is taking the lock, or committing under it. */
    private final AtomicBoolean leading = new AtomicBoolean();

    GroupCommit(Scriber scriber) {
        this.scriber = scriber;
    }

    /** One writer's step and, once committed, its outcome. */
    private static final class Write {
        final Supplier<Txn> step;
        final Thread writer = Thread.currentThread();
        // Written by the leader before done; read by the writer after it sees done.
        List<Scribe> stored;
        RuntimeException failure;
        volatile boolean done;

        Write(Supplier<Txn> step) {
            this.step = step;
        }
    }

    /**
     * Runs {@code step} under the lock (on this thread or another writer's), commits what it returns (null: nothing)
     * with the steps of other writers queued meanwhile, and sends what they queued. An interrupt does not abandon the
     * write (another writer may be committing it): it is waited for, and the interrupt status kept.
     *
     * @return the scribes the step stored, with their ids
     * @throws RuntimeException what the step threw, or what the store threw for its group
     */
    List<Scribe> write(Supplier<Txn> step) {
        if (scriber.lock.isHeldByCurrentThread()) {
            Txn tx = step.get();
            return tx == null ? List.of() : scriber.commit(tx);
        }
        if (queued.isEmpty() && leading.compareAndSet(false, true)) {
            // No other writer waits nor leads: this write is committed alone at once, without being queued.
            return leadAlone(step);
        }
        Write mine = new Write(step);
        queued.add(mine);
        // A leader commits other threads' writes too: its own interrupt must not fail them (kept, and restored).
        boolean interrupted = Thread.interrupted();
        while (!mine.done) {
            if (leading.compareAndSet(false, true)) {
                lead(mine);
            } else {
                // Woken when a leader has committed this write, or lets go with this write still queued.
                LockSupport.park(this);
                interrupted |= Thread.interrupted();
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        scriber.flush();
        if (mine.failure != null) {
            throw mine.failure;
        }
        return mine.stored;
    }

    /**
     * Commits {@code step} alone (this thread leads, nothing was queued), then lets go like {@link #lead}: a write
     * queued meanwhile has no leader yet, its writer leads the next group.
     */
    private List<Scribe> leadAlone(Supplier<Txn> step) {
        Object result;
        // As in a group: the store commits with the interrupt status clear; it is kept, and restored.
        boolean interrupted = Thread.interrupted();
        try {
            scriber.lock.lock();
            try {
                result = scriber.committer.commitOne(step);
            } finally {
                scriber.lock.unlock();
            }
        } finally {
            letGo();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        scriber.flush();
        if (result instanceof RuntimeException e) {
            throw e;
        }
        @SuppressWarnings("unchecked")
        List<Scribe> stored = (List<Scribe>) result;
        return stored;
    }

    /** The number of writes queued for the next group. */
    int waiting() {
        return queued.size();
    }

    /** Commits the writes queued by now, {@code mine} among them unless a leader before took it; then lets go. */
    private void lead(Write mine) {
        try {
            if (!mine.done) {
                scriber.lock.lock();
                try {
                    commitQueued();
                } finally {
                    scriber.lock.unlock();
                }
            }
        } finally {
            letGo();
        }
    }

    /** Stops leading. A write queued while this leader committed has no leader yet: its writer leads the next group. */
    private void letGo() {
        leading.set(false);
        Write next = queued.peek();
        if (next != null) {
            LockSupport.unpark(next.writer);
        }
    }

    /** Commits every queued write as one group. Caller holds the lock. */
    private void commitQueued() {
        Write first = queued.poll();
        if (first == null) {
            return;
        }
        Write second = queued.poll();
        if (second == null) {
            // One write (the common case of a single writer): committed alone, no group to build.
            try {
                complete(first, scriber.committer.commitOne(first.step));
            } finally {
                if (!first.done) {
                    complete(first, new ScribeException(ScribeException.INTERNAL, "not committed"));
                }
            }
            return;
        }
        List<Write> group = new ArrayList<>();
        group.add(first);
        group.add(second);
        for (Write w; (w = queued.poll()) != null; ) {
            group.add(w);
        }
        List<Supplier<Txn>> steps = new ArrayList<>(group.size());
        group.forEach(w -> steps.add(w.step));
        try {
            List<Object> results = scriber.committer.commitGroup(steps);
            for (int i = 0; i < group.size(); i++) {
                complete(group.get(i), results.get(i));
            }
        } finally {
            for (Write w : group) {
                if (!w.done) {
                    // What the commit threw past its steps (an Error) goes to this thread; the others learn of it.
                    complete(w, new ScribeException(ScribeException.INTERNAL, "not committed: the group commit "
                            + "of another writer failed"));
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void complete(Write w, Object result) {
        if (result instanceof RuntimeException e) {
            w.failure = e;
        } else {
            w.stored = (List<Scribe>) result;
        }
        w.done = true;
        if (w.writer != Thread.currentThread()) {
            LockSupport.unpark(w.writer);
        }
    }
}
