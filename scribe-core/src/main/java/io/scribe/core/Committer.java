package io.scribe.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.spi.ObjectState;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits each engine step: checks that its local scribes fit a frame, writes the {@link Txn} to the store, then
 * makes it visible (identity map, object fields, change listeners, conflict listener) and hands its scribes to the
 * {@link Relay}; what other processes sharing the store appended comes in through {@link SharedLog}. Runs under the
 * Scriber's lock.
 */
final class Committer {

    /** Logs as the Scriber it belongs to. */
    private static final Logger log = LoggerFactory.getLogger(Scriber.class);

    private final Scriber scriber;
    /** The largest frame every wire this peer has spoken can carry: local scribes over it are refused. */
    final FrameLimit frames;

    Committer(Scriber scriber, int frameLimit) {
        this.scriber = scriber;
        this.frames = new FrameLimit(frameLimit);
        this.acknowledged = new AcknowledgedQueue(scriber);
        this.putState = (key, state) -> scriber.live.states.put(key, state);
    }

    /** Holds a committed state beside its object; one instance, not a method reference made at each commit. */
    private final java.util.function.BiConsumer<Key, ObjectState> putState;

    /**
     * Writes {@code tx} to the store, then makes it visible: identity map, object fields, listeners, and pushes the
     * new scribes to every session entitled to them. Caller holds the lock.
     */
    List<Scribe> commit(Txn tx) {
        if (tx.isEmpty()) {
            return List.of();
        }
        List<Scribe> stored = store(tx);
        announce(tx, stored);
        return stored;
    }

    /** Checks {@code tx}, writes it to the store and makes it visible in memory; the first half of {@link #commit}. */
    private List<Scribe> store(Txn tx) {
        prepare(tx);
        List<Scribe> stored = write(tx);
        apply(tx, null);
        return stored;
    }

    /**
     * Commits the steps of a group ({@link GroupCommit}) with one store commit: each is checked and made visible in
     * memory in turn, so that the next one is built on it; then all are written together, and only then announced
     * (listeners, sessions). A step that is refused (too large for a frame) is left out and reported to its own
     * writer. When the store refuses the commit, every step is undone in memory, then each is built again and
     * committed alone: a write fails only when the store refuses it on its own. Caller holds the lock.
     *
     * @return for each step, the scribes it stored, or the exception that kept it out
     */
    List<Object> commitGroup(List<java.util.function.Supplier<Txn>> steps) {
        List<Object> results = new ArrayList<>(steps.size());
        List<Txn> staged = new ArrayList<>(steps.size());
        List<Runnable> undo = new ArrayList<>();
        for (java.util.function.Supplier<Txn> step : steps) {
            try {
                Txn tx = step.get();
                if (tx == null || tx.isEmpty()) {
                    results.add(List.of());
                    continue;
                }
                prepare(tx);
                apply(tx, undo);
                staged.add(tx);
                results.add(tx);
            } catch (RuntimeException e) {
                results.add(e);
            } catch (Error e) {
                // Nothing of the group was written: the memory goes back to what the store holds.
                undo(undo);
                throw e;
            }
        }
        if (staged.isEmpty()) {
            return results;
        }
        Txn all = staged.size() == 1 ? staged.get(0) : Txn.concat(staged);
        List<Scribe> stored;
        try {
            stored = write(all);
        } catch (RuntimeException e) {
            undo(undo);
            if (steps.size() == 1) {
                results.set(0, e);
                return results;
            }
            for (int i = 0; i < results.size(); i++) {
                // Alone, a step fails only if the store refuses its own writes: every step is built again on the
                // memory as it is now and committed by itself, also one that found nothing to record or failed,
                // since a step before it (undone now) may have been what it found.
                results.set(i, commitOne(steps.get(i)));
            }
            return results;
        }
        int from = 0;
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i) instanceof Txn tx) {
                List<Scribe> own = stored.subList(from, from + tx.entries.size());
                from += tx.entries.size();
                results.set(i, own);
                try {
                    announce(tx, own);
                } catch (RuntimeException e) {
                    // Stored: the writes of the group succeeded whatever went wrong after (a setter applying a
                    // value, reading another node's appends); the next steps are still announced.
                    scriber.report(new ScribeException(ScribeException.INTERNAL,
                            "announcing stored scribes failed: " + e, e));
                }
            }
        }
        return results;
    }

    /**
     * {@link #commitGroup} of one step, as {@link #commit} does it: built, written, then made visible (nothing to
     * undo, no group, undo or result list); once stored, a failure announcing it is reported, the write succeeds.
     * Caller holds the lock.
     *
     * @return the scribes the step stored, or the exception that kept it out
     */
    Object commitOne(java.util.function.Supplier<Txn> step) {
        Txn tx = null;
        try {
            List<Scribe> stored;
            try {
                tx = step.get();
                if (tx == null || tx.isEmpty()) {
                    return List.of();
                }
                stored = store(tx);
            } catch (RuntimeException e) {
                return e;
            }
            try {
                announce(tx, stored);
            } catch (RuntimeException e) {
                scriber.report(new ScribeException(ScribeException.INTERNAL,
                        "announcing stored scribes failed: " + e, e));
            }
            return stored;
        } finally {
            if (tx != null && tx.reusable) {
                // Committed (or refused) and announced: nothing refers to it any more; the next update reuses it.
                tx.reset();
                spare = tx;
            }
        }
    }

    /** The step {@link #reusableTxn} hands out next, or null; guarded by the lock. */
    private Txn spare;

    /**
     * A step for a local update, the one {@link #commitOne} last committed if it is free: a one-scribe update makes no
     * transaction, list or map of its own (one taken during another's commit, by a listener's write, is new). Locked.
     */
    Txn reusableTxn() {
        Txn tx = spare;
        spare = null;
        return tx != null ? tx : Txn.reusable();
    }

    /** Runs the undo actions of {@link #apply}, last first. */
    private static void undo(List<Runnable> undo) {
        for (int i = undo.size() - 1; i >= 0; i--) {
            undo.get(i).run();
        }
    }

    /** Checks that {@code tx}'s local scribes fit a frame and puts its states in the form held in memory. */
    private void prepare(Txn tx) {
        if (!tx.foreign) {
            frames.check(tx);
        }
        if (!tx.states.isEmpty()) {
            // In the form held beside the objects, before the store sees them: a store that keeps them in memory
            // holds the same instances.
            tx.states.replaceAll((key, state) -> held(state));
        }
    }

    /** Writes {@code tx} to the store; returns the scribes it appended, with their ids. */
    private List<Scribe> write(Txn tx) {
        List<Scribe> stored;
        if (tx.foreign) {
            // The scribes are in the shared log already: only this node's view of the objects is written.
            scriber.store.commit(
                    new io.scribe.core.spi.Commit(List.of(), new ArrayList<>(tx.states.values()), tx.cursors));
            stored = new ArrayList<>();
            tx.entries.forEach(e -> stored.add(e.scribe()));
            tx.logsStored();
        } else {
            long started = System.nanoTime();
            stored = tx.writeTo(scriber.store);
            scriber.sharedLog.noteOwnIds(stored);
            tx.logsStored();
            try {
                CommitMetrics.committed(scriber.metrics, scriber.guid, tx, stored, System.nanoTime() - started);
            } catch (RuntimeException e) {
                // Stored: a failing metrics sink must not make the commit look refused (and be written again).
                scriber.report(new ScribeException(ScribeException.INTERNAL, "metrics failed: " + e, e));
            }
        }
        return stored;
    }

    /**
     * Makes {@code tx} visible in memory: object states, identity map. With {@code undo}, adds what puts the memory
     * back as it was, to run in reverse order.
     */
    private void apply(Txn tx, List<Runnable> undo) {
        if (undo != null) {
            for (Key key : tx.states.keySet()) {
                ObjectState before = scriber.live.states.get(key);
                undo.add(() -> {
                    if (before == null) {
                        scriber.live.states.remove(key);
                    } else {
                        scriber.live.states.put(key, before);
                    }
                });
            }
        }
        tx.states.forEach(putState);   // no iterator
        if (tx.seenFrom != null) {
            tx.seenRemote.forEach(tx.seenFrom::markSeen);
        }
        // Bound first, unbound second: an object created and destroyed in one step ends unbound, like its state.
        if (!tx.bind.isEmpty()) {
            bindAll(tx, undo);
        }
        if (!tx.unbind.isEmpty()) {
            unbindAll(tx, undo);
        }
    }

    /** Runs what follows a stored step: remote values into objects, listeners, conflicts, then the relay. */
    private void announce(Txn tx, List<Scribe> stored) {
        if (!tx.effects.isEmpty()) {
            // Remote values are written with recording off, whatever happens inside the setters.
            scriber.scopes.recordingOnly((type, object) -> false, () -> tx.effects.forEach(Runnable::run));
        }
        for (int i = 0; i < tx.changes.size(); i++) {
            notifyListeners(tx.changes.get(i));
        }
        for (Conflict conflict : tx.conflicts) {
            try {
                scriber.conflictListener.onConflict(conflict);
            } catch (RuntimeException e) {
                log.warn("conflict listener failed on {} {}", conflict.klass(), conflict.id(), e);
            }
        }
        if (!tx.foreign && scriber.sharedLog.hasGap()) {
            // Another node appended before these scribes: push its scribes first, so that no session sees an id
            // of ours before the ids below it (a cursor there would skip them).
            scriber.sharedLog.absorbLocked();
        }
        if (scriber.sessions.isEmpty()) {
            return;   // the stored scribes are not read (a StoredOne is not made under its id)
        }
        for (int i = 0; i < stored.size(); i++) {
            Txn.Entry e = tx.entries.get(i);
            scriber.relay.toSessions(stored.get(i), e.source(), e.cls(), e.subject());
        }
    }

    /** Acknowledged positions that moved and are not written yet. */
    private final AcknowledgedQueue acknowledged;

    /** {@code a} moved: its position is written shortly, with the others that moved meanwhile. */
    void noteAcknowledged(Acknowledged a) {
        acknowledged.add(a);
    }

    /** The Scriber closes: the positions waiting are written now (see {@link AcknowledgedQueue#close}). */
    void closeAcknowledged() {
        acknowledged.close();
    }

    /**
     * The form a state is held in memory, beside its object, for as long as the object lives: its fields in a
     * {@link io.scribe.core.internal.SmallMap} (the same values, not copies), and its stamps, when one write stamped
     * every field, as {@link io.scribe.core.internal.UniformStamps} over them.
     */
    static ObjectState held(ObjectState state) {
        ObjectNode fields = HeldNode.compact(state.fields());
        if (state.stamps() instanceof io.scribe.core.internal.SmallStamps played) {
            // Changed in place by the step that played it (see Merger) until now: immutable from here on.
            played.freeze(fields);
        }
        java.util.Map<String, io.scribe.core.spi.Stamp> stamps =
                io.scribe.core.internal.UniformStamps.of(state.stamps(), fields);
        // A state derived from a held one (the usual update) is compact already: kept as it is.
        return fields == state.fields() && stamps == state.stamps() ? state
                : new ObjectState(state.klass(), state.id(), fields, stamps, state.tombstone());
    }

    /** Binds the objects {@code tx} created or received; part of {@link #apply}. */
    private void bindAll(Txn tx, List<Runnable> undo) {
        tx.bind.forEach((key, object) -> {
            scriber.live.bind(key, object);
            scriber.recorder.bind(object, true);
            if (undo != null) {
                undo.add(() -> {
                    scriber.live.unbind(key);
                    scriber.recorder.bind(object, false);
                });
            }
        });
    }

    /**
     * Unbinds the objects {@code tx} destroyed, after binding (an object created and destroyed in one step ends
     * unbound); part of {@link #apply}.
     */
    private void unbindAll(Txn tx, List<Runnable> undo) {
        tx.unbind.forEach(key -> {
            Object gone = scriber.live.unbind(key);
            if (gone != null) {
                scriber.recorder.bind(gone, false);
                if (undo != null) {
                    undo.add(() -> {
                        scriber.live.bind(key, gone);
                        scriber.recorder.bind(gone, true);
                    });
                }
            }
        });
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void notifyListeners(Change<?> change) {
        List<Change.Listener<?>> list = scriber.listeners.get(change.object().getClass());
        if (list == null) {
            return;
        }
        for (Change.Listener l : list) {
            try {
                l.onChange(change);
            } catch (RuntimeException e) {
                log.warn("listener {} failed on {} of {}", l, change.type(), change.id(), e);
            }
        }
    }
}
