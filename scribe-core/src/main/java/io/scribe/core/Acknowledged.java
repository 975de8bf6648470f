package io.scribe.core;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How far one remote peer has acknowledged this peer's log: the id up to which it asked for everything after
 * ({@code sync{from}}), answered a push, or answered the {@code noop} that follows the last page of its catch-up.
 * Kept in the store beside the cursors (under {@link #KEY_PREFIX} and the client's GUID), written shortly after it
 * moves (with the positions of other clients that moved meanwhile), so that {@link Client#pending()} survives a
 * restart. The stored value is {@code POSITION;MILLIS}, with the wall time it was written: when the client was last
 * seen, which {@link Compactor} reads; {@code ;u} follows for a peer this one relays through (its server), which holds
 * compaction back however long it is away.
 */
final class Acknowledged {

    private static final Logger log = LoggerFactory.getLogger(Acknowledged.class);

    /** The store key of a client's acknowledged position is this followed by its GUID. */
    static final String KEY_PREFIX = Scriber.RESERVED_PREFIX + "acknowledged/";

    private final Scriber scriber;
    private final String key;
    /** Whether it waits in the Committer's queue to be written. */
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile boolean upstream;
    // -1: not read from the store yet. Guarded by this.
    private long position = -1;
    private long stored = -1;

    Acknowledged(Scriber scriber, String clientId) {
        this.scriber = scriber;
        this.key = KEY_PREFIX + clientId;
    }

    /** The id of the last scribe of this log the remote acknowledged, 0 when none. */
    synchronized long position() {
        if (position < 0) {
            position = scriber.store.cursor(key).map(v -> parseStored(v)[0]).orElse(0L);
            stored = position;
        }
        return position;
    }

    boolean isUpstream() {
        return upstream;
    }

    /** The remote is a peer this one relays through: see the class comment. */
    void markUpstream() {
        upstream = true;
    }

    /** The remote acknowledged every scribe up to {@code id}; stored a moment later. */
    void advance(long id) {
        move(id, false);
    }

    /**
     * The remote asked for the scribes after {@code id}: it holds everything up to it and nothing after it (a peer
     * that lost its store asks from the start again).
     */
    void reset(long id) {
        move(Math.max(id, 0), true);
    }

    private void move(long id, boolean back) {
        synchronized (this) {
            long at = position();
            if (id == at || (id < at && !back)) {
                return;
            }
            position = id;
        }
        // Written shortly, with the positions of the other clients that moved meanwhile (see AcknowledgedQueue).
        scriber.committer.noteAcknowledged(this);
    }

    /** Writes the position now, with the time, as when the client was last seen (when a session closes). */
    void flush() {
        // Through the engine, under its lock: stores (and the stores that wrap them) see one commit at a time, and
        // two writes of the position cannot land out of order.
        scriber.lock.lock();
        try {
            long now;
            synchronized (this) {
                now = position();
            }
            Txn tx = new Txn();
            tx.cursors().put(key, value(now));
            scriber.commit(tx);
            written(now);
        } catch (RuntimeException e) {
            log.debug("cannot store the position {} acknowledged: {}", key, e.toString());
        } finally {
            scriber.lock.unlock();
        }
    }

    /** Marks it as waiting to be written; false when it already waits. */
    boolean queue() {
        return queued.compareAndSet(false, true);
    }

    /** Taken from the queue of positions to write. */
    void dequeued() {
        queued.set(false);
    }

    /** The stored form of {@code position}, with the time now. */
    private String value(long position) {
        return value(position, scriber.wallClock.millis());
    }

    /** The stored form of {@code position}, written at {@code millis}. */
    private String value(long position, long millis) {
        return position + ";" + millis + (upstream ? ";u" : "");
    }

    /**
     * Adds the position to {@code cursors} when it moved since it was last written; returns the position added, or -1.
     * Called by the Committer, under the engine lock, for a commit it is about to make.
     */
    synchronized long stage(java.util.Map<String, String> cursors, long millis) {
        long now = position();
        if (now == stored || cursors.containsKey(key)) {
            return -1;
        }
        cursors.put(key, value(now, millis));
        return now;
    }

    /** The position {@code at} was written to the store. */
    synchronized void written(long at) {
        stored = at;
    }

    /** Counts the scribes recorded on this peer after the acknowledged position. Reads the store; no lock held. */
    long pending() {
        long after = position();
        long count = 0;
        while (true) {
            List<Scribe> page = scriber.store.readAfter(after, 500);
            for (Scribe s : page) {
                if (scriber.guid.equals(s.origin())) {
                    count++;
                }
                after = parse(s.id());
            }
            if (page.size() < 500) {
                return count;
            }
        }
    }

    /** The wall time of the oldest scribe {@link #pending()} counts, or empty when none. */
    java.util.Optional<java.time.Instant> oldestPending() {
        long after = position();
        while (true) {
            List<Scribe> page = scriber.store.readAfter(after, 500);
            for (Scribe s : page) {
                if (scriber.guid.equals(s.origin())) {
                    // A hybrid logical clock: wall milliseconds in the high 48 bits.
                    return java.util.Optional.of(java.time.Instant.ofEpochMilli(s.clock() >>> 16));
                }
                after = parse(s.id());
            }
            if (page.size() < 500) {
                return java.util.Optional.empty();
            }
        }
    }

    /**
     * A stored value ({@code POSITION;MILLIS;u}, older forms {@code POSITION} and {@code POSITION;MILLIS}) as
     * {@code {position, millis}}: millis is 0 when the value has none, and {@link Long#MAX_VALUE} for a peer this one
     * relays through (it never counts as gone).
     */
    static long[] parseStored(String value) {
        String[] parts = value.split(";", -1);
        long millis = parts.length > 2 && parts[2].equals("u") ? Long.MAX_VALUE
                : parts.length > 1 ? parse(parts[1]) : 0;
        return new long[] {parse(parts[0]), millis};
    }

    static long parse(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
