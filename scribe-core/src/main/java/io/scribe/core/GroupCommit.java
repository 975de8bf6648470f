package io.scribe.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Commits the local writes of several threads together (group commit). A writer queues its step (what builds its
 * {@link Txn}) and takes the engine lock; the thread that gets the lock runs every step queued by then, in the order
 * they were queued, and stores them with one commit ({@link Committer#commitGroup}); a writer whose step was
 * committed by another thread finds it done when it gets the lock. A write never waits for a timer or for later
 * writers: at most for the commit under way and then its own. Writes from a thread that holds the lock already (inside
 * {@link Scriber#atomically}, a listener) are committed at once, as a step of their own.
 *
 * <p>A step that fails (an object not tracked, a scribe too large for a frame) fails only its own write. When the store
 * refuses a group's commit, nothing of it is visible and each write is tried again alone, so that a write fails only
 * when the store refuses it on its own (a store that is down is then tried once more per writer).
 */
final class GroupCommit {

    private final Scriber scriber;
    private final ConcurrentLinkedQueue<Write> queued = new ConcurrentLinkedQueue<>();

    GroupCommit(Scriber scriber) {
        this.scriber = scriber;
    }

    /** One writer's step and, once committed (under the lock), its outcome. */
    private static final class Write {
        final Supplier<Txn> step;
        // Written and read under the engine lock.
        boolean done;
        List<Scribe> stored;
        RuntimeException failure;

        Write(Supplier<Txn> step) {
            this.step = step;
        }
    }

    /**
     * Runs {@code step} under the lock (on this thread or another writer's), commits what it returns (null: nothing)
     * with the steps of other writers queued meanwhile, and sends what they queued.
     *
     * @return the scribes the step stored, with their ids
     * @throws RuntimeException what the step threw, or what the store threw for its group
     */
    List<Scribe> write(Supplier<Txn> step) {
        if (scriber.lock.isHeldByCurrentThread()) {
            Txn tx = step.get();
            return tx == null ? List.of() : scriber.commit(tx);
        }
        Write mine = new Write(step);
        queued.add(mine);
        scriber.lock.lock();
        try {
            if (!mine.done) {
                commitQueued();
            }
        } finally {
            scriber.lock.unlock();
        }
        scriber.flush();
        if (mine.failure != null) {
            throw mine.failure;
        }
        return mine.stored;
    }

    /** Commits every queued write as one group. Caller holds the lock. */
    private void commitQueued() {
        List<Write> group = new ArrayList<>();
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
    }
}
