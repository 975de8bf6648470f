package io.scribe.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * This node's view of a log that other processes sharing the store may append to (several servers on one
 * database): the position up to which it has played every scribe, its own ids above it while a foreign append left a
 * gap, and the absorption of foreign appends (played into this node's objects without appending them again, then
 * pushed to its sessions). Guarded by the Scriber's lock; {@link #absorb()} takes it itself, on the timer thread.
 */
final class SharedLog {

    private final Scriber scriber;
    // The newest log id this node has seen, and its own ids above it (only while a foreign append left a gap).
    private long seenId;
    private final Set<Long> ownIds = new HashSet<>();

    SharedLog(Scriber scriber, long seenId) {
        this.scriber = scriber;
        this.seenId = seenId;
    }

    /** Whether this node appended after a foreign append it has not absorbed yet. Caller holds the lock. */
    boolean hasGap() {
        return !ownIds.isEmpty();
    }

    /** The log position up to which every scribe was played on this node. Caller holds the lock. */
    long seenThrough() {
        return seenId;
    }

    /**
     * Whether the scribe with this log id is visible on this node: one of its own, or one it has absorbed (a store
     * shared with other nodes may hold appends this node has not read yet). Caller holds the lock.
     */
    boolean visibleHere(long id) {
        return id <= seenId || ownIds.contains(id);
    }

    /**
     * Keeps track of the log position this node has seen. Ids follow each other unless another process sharing the
     * store appended in between; only then are this node's own ids remembered, to skip them when the foreign
     * scribes are absorbed.
     */
    void noteOwnIds(List<Scribe> stored) {
        for (int i = 0; i < stored.size(); i++) {
            long id = stored instanceof StoredOne one ? one.id() : stored instanceof RecordedField f ? f.storedId()
                    : Long.parseLong(stored.get(i).id());
            if (id == seenId + 1 && ownIds.isEmpty()) {
                seenId = id;
            } else {
                ownIds.add(id);
            }
        }
    }

    /**
     * Reads what other processes sharing the store appended, plays it into this node's objects (without appending
     * it again) and pushes it to this node's sessions. Called when the store reports a foreign append.
     */
    void absorb() {
        if (scriber.closed) {
            return;
        }
        scriber.lock.lock();
        try {
            absorbLocked();
        } catch (RuntimeException e) {
            scriber.report(new ScribeException(
                    ScribeException.INTERNAL, "reading the shared log failed; retrying: " + e, e));
            if (!scriber.closed) {
                scriber.timer.schedule(this::absorb, 1, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            scriber.lock.unlock();
        }
        scriber.flush();
    }

    /** The body of {@link #absorb()}; the position moves only past pages that were committed. */
    void absorbLocked() {
        while (true) {
            List<Scribe> page = scriber.store.readAfter(seenId, 500);
            if (page.isEmpty()) {
                return;
            }
            Txn tx = new Txn();
            tx.foreign = true;
            long last = seenId;
            List<Long> skipped = new ArrayList<>();
            for (Scribe s : page) {
                long id = Long.parseLong(s.id());
                last = id;
                if (ownIds.contains(id)) {
                    skipped.add(id);
                    continue;
                }
                try {
                    scriber.player.play(s, null, null, tx);
                } catch (RuntimeException e) {
                    scriber.report(e instanceof ScribeException se
                            ? new ScribeException(se.code(), "shared log scribe " + s.id() + ": " + se.getMessage(), e)
                            : new ScribeException(
                                    ScribeException.INTERNAL, "shared log scribe " + s.id() + ": " + e, e));
                }
            }
            scriber.committer.commit(tx);
            seenId = last;
            ownIds.removeAll(skipped);
        }
    }
}
