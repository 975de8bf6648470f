package io.scribe.core;

import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit stage of the engine: takes the steps the engine decided under its lock (a {@link Txn} each) and writes
 * them to the store outside that lock, then has them applied (identity map, object fields, listeners, relay, acks)
 * in the order they were decided.
 *
 * <pre>
 *  decide (engine lock)         commit (commit lock, no engine lock)        apply (engine lock)
 *  ──────────────────           ───────────────────────────────────        ───────────────────
 *  play / merge / record ─▶ queue ─▶ every step queued since the last ─▶ completions ─▶ states, objects,
 *  staged in the overlay            commit, in ONE store transaction                  listeners, relay, acks
 * </pre>
 *
 * <p>One committer at a time, under the commit lock: it takes every queued step and writes them as one {@link
 * Commit} (group commit). A thread that waits for its step (a local write) takes that role itself when the lock is
 * free, so a lone writer pays no hand-over; a session decides every scribe of one read first and then writes them
 * together (see {@link #openBatch()}). A thread that finds the commit lock taken leaves its step to the holder,
 * which looks at the queue again before it lets go, and waits: while one group is being written, the steps of every
 * other thread gather for the next. Commit order is
 * decision order, since steps are queued under the engine lock and taken first in, first out.
 *
 * <p>Between decision and commit a step is staged in an overlay (object states, live objects, bindings) that later
 * decisions read before the committed maps, so that a step can build on one that is still being written. The app
 * sees nothing of a step before its commit succeeded: no object field is set, no listener is called, nothing is
 * relayed or acknowledged. When a commit fails, its steps and every queued step that was decided on top of them (one
 * that touches one of their objects or cursors) fail: their overlay entries are dropped, so memory is again what the
 * store holds, and their waiters get the error (an incoming scribe is answered with it; a local write throws it).
 * When a group fails, each of its steps is written again alone, so one step the store refuses fails only itself
 * and the steps that depend on it.
 */
final class Committer {

    private static final Logger log = LoggerFactory.getLogger(Committer.class);

    /** A staged value and the step that staged it. */
    record Staged<T>(T value, Ticket ticket) {}

    /** Marks an object or binding a staged step removes. */
    static final Object GONE = new Object();

    /** One decided step, from its decision to its application. */
    static final class Ticket {
        final Txn tx;
        final long seq;
        final CompletableFuture<List<Scribe>> stored = new CompletableFuture<>();
        final CompletableFuture<List<Scribe>> applied = new CompletableFuture<>();
        /** Called under the engine lock once the step was applied (null) or failed (the cause). */
        final List<Consumer<RuntimeException>> then = new ArrayList<>(1);
        List<Scribe> result;
        RuntimeException error;
        /** The last step decided before this failed one was unstaged: later ones did not see it. */
        volatile long unstagedAt = Long.MAX_VALUE;
        /** The keys and cursors it staged; a step sharing one depends on it. */
        final Set<Key> keys;
        final Set<String> cursors;
        /** The objects whose binding it staged. */
        final List<Object> objects = new ArrayList<>(1);

        Ticket(Txn tx, long seq) {
            this.tx = tx;
            this.seq = seq;
            this.keys = new HashSet<>(tx.states.keySet());
            keys.addAll(tx.bind.keySet());
            keys.addAll(tx.unbind);
            this.cursors = new HashSet<>(tx.cursors.keySet());
        }

        boolean dependsOn(Ticket failed) {
            for (Key k : keys) {
                if (failed.keys.contains(k)) {
                    return true;
                }
            }
            for (String c : cursors) {
                if (failed.cursors.contains(c)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A failed step whose overlay entries later steps may have been decided on. */
    private record Failure(Ticket ticket) {}

    private final Scriber scriber;
    private final EngineLock lock;
    private final ReentrantLock commitLock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Ticket> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Ticket> completions = new ConcurrentLinkedQueue<>();
    // Guarded by the engine lock.
    private final Map<Key, Staged<ObjectState>> states = new java.util.HashMap<>();
    private final Map<Key, Staged<Object>> objects = new java.util.HashMap<>();
    private final Map<Object, Staged<Object>> bound = new IdentityHashMap<>();
    private long nextSeq;
    private boolean applying;
    // Guarded by the commit lock: failed steps that steps still queued may have been decided on.
    private final List<Failure> failures = new ArrayList<>();

    Committer(Scriber scriber, EngineLock lock) {
        this.scriber = scriber;
        this.lock = lock;
        lock.committer = this;
    }

    // -------------------------------------------------------------------------------------------------------------
    // Decision side (engine lock held)

    /** The staged state of {@code key}, or null when no step in flight touched it. Engine lock held. */
    ObjectState state(Key key) {
        Staged<ObjectState> s = states.get(key);
        return s == null ? null : s.value();
    }

    /** Whether a step in flight touched {@code key}'s state. */
    boolean stagesState(Key key) {
        return states.containsKey(key);
    }

    /** The staged live object of {@code key}: the object, {@link #GONE}, or null when none is staged. */
    Object live(Key key) {
        Staged<Object> s = objects.get(key);
        return s == null ? null : s.value();
    }

    /** The staged key of {@code object}: a {@link Key}, {@link #GONE}, or null when none is staged. */
    Object keyOf(Object object) {
        Staged<Object> s = bound.get(object);
        return s == null ? null : s.value();
    }

    /**
     * Stages {@code tx} and queues it for the store. Engine lock held. The caller releases the lock and then waits
     * with {@link #await} (or not at all: the step is committed by whichever thread drives the queue next).
     */
    Ticket submit(Txn tx) {
        Ticket t = new Ticket(tx, ++nextSeq);
        for (Map.Entry<Key, ObjectState> e : tx.states.entrySet()) {
            states.put(e.getKey(), new Staged<>(e.getValue(), t));
        }
        for (Map.Entry<Key, Object> e : tx.bind.entrySet()) {
            objects.put(e.getKey(), new Staged<>(e.getValue(), t));
            bound.put(e.getValue(), new Staged<>(e.getKey(), t));
            t.objects.add(e.getValue());
        }
        for (Key key : tx.unbind) {
            Object gone = scriber.liveObject(key);
            if (gone == null) {
                gone = tx.bind.get(key);
            }
            objects.put(key, new Staged<>(GONE, t));
            if (gone != null) {
                bound.put(gone, new Staged<>(GONE, t));
                t.objects.add(gone);
            }
        }
        queue.add(t);
        Ticket[] b = batch.get();
        if (b != null) {
            b[0] = t;
        }
        return t;
    }

    /** Drops what {@code t} staged, where no later step replaced it. Engine lock held. */
    private void unstage(Ticket t) {
        for (Key k : t.keys) {
            Staged<ObjectState> s = states.get(k);
            if (s != null && s.ticket() == t) {
                states.remove(k);
            }
            Staged<Object> o = objects.get(k);
            if (o != null && o.ticket() == t) {
                objects.remove(k);
            }
        }
        for (Object object : t.objects) {
            Staged<Object> b = bound.get(object);
            if (b != null && b.ticket() == t) {
                bound.remove(object);
            }
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Commit side

    /**
     * Writes every queued step to the store, as long as there are some and no other thread is doing it, then
     * applies what was written when the engine lock is free. Never waits for the engine lock.
     */
    void drive() {
        boolean any = false;
        while (true) {
            if (!queue.isEmpty()) {
                if (!commitLock.tryLock()) {
                    break;
                }
                try {
                    while (!queue.isEmpty()) {
                        commitGroup();
                    }
                } finally {
                    commitLock.unlock();
                }
                continue;
            }
            if (!completions.isEmpty() && !lock.isHeldByCurrentThread() && lock.tryLock()) {
                // unlock() applies the completions.
                lock.unlock();
                any = true;
                continue;
            }
            break;
        }
        if (any) {
            scriber.flush();
        }
    }

    /** Writes the steps queued now as one commit; on failure, each alone. Commit lock held. */
    private void commitGroup() {
        List<Ticket> group = new ArrayList<>();
        for (Ticket t; (t = queue.poll()) != null; ) {
            if (dependsOnFailure(t)) {
                fail(t, new ScribeException(ScribeException.INTERNAL,
                        "not stored: it was decided on a step whose commit failed"));
                continue;
            }
            group.add(t);
        }
        if (group.isEmpty()) {
            return;
        }
        try {
            store(group);
        } catch (RuntimeException e) {
            if (group.size() == 1) {
                fail(group.get(0), e);
            } else {
                log.debug("scriber {}: group of {} steps failed, writing each alone", scriber.guid, group.size(), e);
                for (Ticket t : group) {
                    if (dependsOnFailure(t)) {
                        fail(t, new ScribeException(ScribeException.INTERNAL,
                                "not stored: it was decided on a step whose commit failed"));
                        continue;
                    }
                    try {
                        store(List.of(t));
                    } catch (RuntimeException alone) {
                        fail(t, alone);
                    }
                }
            }
        }
        // A failure is forgotten once every step decided before it was unstaged has been taken from the queue.
        Ticket head = queue.peek();
        failures.removeIf(f -> f.ticket().unstagedAt != Long.MAX_VALUE
                && (head == null || head.seq > f.ticket().unstagedAt));
    }

    private boolean dependsOnFailure(Ticket t) {
        for (Failure f : failures) {
            if (t.seq > f.ticket().seq && t.seq <= f.ticket().unstagedAt && t.dependsOn(f.ticket())) {
                return true;
            }
        }
        return false;
    }

    /** Writes {@code group} in one store commit and completes each; throws if the store refused it. */
    private void store(List<Ticket> group) {
        List<io.scribe.core.Scribe> scribes = new ArrayList<>();
        Map<Key, ObjectState> objectStates = new LinkedHashMap<>();
        Map<String, String> cursors = new java.util.HashMap<>();
        for (Ticket t : group) {
            if (!t.tx.foreign) {
                for (Txn.Entry e : t.tx.entries) {
                    scribes.add(e.scribe());
                }
            }
            for (Map.Entry<Key, ObjectState> e : t.tx.states.entrySet()) {
                // One commit upserts a row once: the later step's state wins, as it would in order.
                objectStates.remove(e.getKey());
                objectStates.put(e.getKey(), e.getValue());
            }
            cursors.putAll(t.tx.cursors);
        }
        Commit commit = new Commit(scribes, new ArrayList<>(objectStates.values()), cursors);
        long started = System.nanoTime();
        List<io.scribe.core.Scribe> written = commit.isEmpty() ? List.of() : scriber.store.commit(commit);
        long nanos = System.nanoTime() - started;
        if (written.size() != scribes.size()) {
            throw new ScribeException(ScribeException.INTERNAL, "store returned " + written.size()
                    + " scribes for a commit of " + scribes.size());
        }
        scriber.noteOwnIds(written);
        boolean counted = false;
        int at = 0;
        for (Ticket t : group) {
            List<io.scribe.core.Scribe> mine;
            if (t.tx.foreign) {
                mine = new ArrayList<>();
                t.tx.entries.forEach(e -> mine.add(e.scribe()));
            } else {
                mine = new ArrayList<>(written.subList(at, at + t.tx.entries.size()));
                at += t.tx.entries.size();
            }
            counted |= CommitMetrics.step(scriber.metrics, scriber.guid, t.tx, mine);
            t.result = mine;
            completions.add(t);
            t.stored.complete(mine);
        }
        if (counted) {
            scriber.metrics.committed(written.size(), nanos);
        }
    }

    private void fail(Ticket t, RuntimeException cause) {
        ScribeException e = cause instanceof ScribeException se ? se
                : new ScribeException(ScribeException.INTERNAL, "store commit failed: " + cause, cause);
        t.error = e;
        failures.add(new Failure(t));
        completions.add(t);
        t.stored.completeExceptionally(e);
    }

    // -------------------------------------------------------------------------------------------------------------
    // Apply side (engine lock held)

    /** Applies the written and failed steps in commit order. Engine lock held; not re-entrant. */
    void applyCompletions() {
        if (applying) {
            return;
        }
        applying = true;
        try {
            for (Ticket t; (t = completions.poll()) != null; ) {
                apply(t);
            }
        } finally {
            applying = false;
        }
    }

    private void apply(Ticket t) {
        RuntimeException error = t.error;
        if (error == null) {
            try {
                scriber.applyCommitted(t.tx, t.result);
            } catch (RuntimeException e) {
                log.error("scriber {}: applying a committed step failed", scriber.guid, e);
            }
        }
        unstage(t);
        t.unstagedAt = nextSeq;
        for (Consumer<RuntimeException> c : t.then) {
            try {
                c.accept(error);
            } catch (RuntimeException e) {
                log.warn("scriber {}: completion of a step failed", scriber.guid, e);
            }
        }
        if (error == null) {
            t.applied.complete(t.result);
        } else {
            t.applied.completeExceptionally(error);
        }
    }

    boolean hasCompletions() {
        return !completions.isEmpty();
    }

    // -------------------------------------------------------------------------------------------------------------
    // Waiting

    /**
     * Waits until {@code t} was stored and applied (see the class comment), and returns its stored scribes. Called
     * without the engine lock, it returns once the step is visible; called with it (a write made from a listener,
     * or by code that holds the lock), once it is stored and, unless this thread is already applying steps,
     * applied. A thread that is writing to the store itself (its listeners write) does not wait: the step is
     * written by the group after.
     *
     * @throws ScribeException the store's failure; nothing of the step is visible then
     */
    List<io.scribe.core.Scribe> await(Ticket t) {
        if (commitLock.isHeldByCurrentThread() && !t.stored.isDone()) {
            return null;
        }
        drive();
        if (lock.isHeldByCurrentThread()) {
            join(t.stored);
            applyCompletions();
            if (t.error != null) {
                throw t.error;
            }
            return t.result;
        }
        while (!t.applied.isDone()) {
            drive();
            try {
                t.applied.get(5, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // Looped: applied by the lock holder at its unlock, or here.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ScribeException(ScribeException.INTERNAL, "interrupted waiting for the store", e);
            }
        }
        if (t.error != null) {
            throw t.error;
        }
        return t.result;
    }

    private void join(CompletableFuture<?> f) {
        while (true) {
            drive();
            try {
                f.get(5, TimeUnit.MILLISECONDS);
                return;
            } catch (ExecutionException e) {
                return;
            } catch (TimeoutException e) {
                // Another leader is writing it.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ScribeException(ScribeException.INTERNAL, "interrupted waiting for the store", e);
            }
        }
    }

    /** Stores {@code tx} and applies it before returning (see {@link #await}). */
    List<io.scribe.core.Scribe> commit(Txn tx) {
        Ticket t = submit(tx);
        List<io.scribe.core.Scribe> stored = await(t);
        return stored != null ? stored : List.of();
    }

    /**
     * The engine lock. Releasing it for the last time applies the steps written meanwhile (their completions). It
     * does not write: every thread that queues a step waits for it (or ends its batch) and takes part in committing.
     */
    static final class EngineLock extends ReentrantLock {
        Committer committer;

        @Override
        public void unlock() {
            boolean outer = getHoldCount() == 1;
            if (outer && committer != null) {
                try {
                    committer.applyCompletions();
                } catch (RuntimeException e) {
                    log.error("applying committed steps failed", e);
                }
            }
            super.unlock();
            if (outer && committer != null && getHoldCount() == 0 && committer.hasCompletions()) {
                // A commit finished while this thread held the lock, after it applied: apply it now rather than
                // leave its waiter to find it.
                committer.drive();
            }
        }
    }

    /** For tests and diagnostics: steps decided and not yet applied. */
    int inFlight() {
        return queue.size() + completions.size();
    }

    // The steps the current thread decided while feeding one read (see openBatch).
    private final ThreadLocal<Ticket[]> batch = new ThreadLocal<>();

    /**
     * Starts collecting the steps this thread queues without waiting (incoming scribes of one read of a session), so
     * that they are written together when the read is done. Returns whether a batch was opened (false: one is open).
     */
    boolean openBatch() {
        if (batch.get() != null) {
            return false;
        }
        batch.set(new Ticket[1]);
        return true;
    }

    /**
     * Ends the batch opened by {@link #openBatch()}: writes its steps (with whatever else is queued) and waits until
     * they were applied and answered. A failure was answered to the peer already; it is not thrown here.
     */
    void closeBatch() {
        Ticket[] b = batch.get();
        batch.remove();
        if (b != null && b[0] != null) {
            try {
                await(b[0]);
            } catch (RuntimeException answered) {
                log.debug("scriber {}: batch ended with a failed step", scriber.guid, answered);
            }
        }
    }

    /** Writes what is still queued. */
    void close() {
        drive();
    }
}
