package io.scribe.core;

import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction of this peer's log (see {@link Scriber.Builder#compaction}): removes the scribes every remote peer seen
 * within the retention window has acknowledged, and the tombstones of objects destroyed by those scribes. A peer
 * that asks for history from before the compacted position (a new one, or one back after the window) is sent a
 * {@link Snapshot} instead and continues in the log from there.
 *
 * <p>Only a peer that relays through no other (a server: no session it trusts as a relay) compacts. A client keeps
 * its whole log and its tombstones: its server decides what history may go, and a client's tombstones keep it from
 * creating an identity its server still refuses. Once the server removed a tombstone, a create that reuses the
 * identity is taken by the server and by peers that never held the tombstone, and refused by a peer that still holds
 * it: identities are not meant to be reused (see PROTOCOL.md, "Compaction").
 *
 * <p>The rule: the log is compacted up to the lowest position acknowledged by (a) every client with an open session
 * and (b) every client whose last session ended within the retention window, never past what this node has played.
 * A client not seen for longer than the window no longer holds the log back. The compacted position and the newest
 * clock compacted (the horizon) are stored as the cursor {@link #KEY} before anything is removed, so a crash between
 * the two leaves extra history, never a gap that a reader would not notice.
 */
final class Compactor {

    private static final Logger log = LoggerFactory.getLogger(Compactor.class);

    /** The store cursor holding {@code POSITION;HORIZON}: how far the log was compacted. */
    static final String KEY = Scriber.RESERVED_PREFIX + "compacted";

    /**
     * The store cursor set once this peer served a Syncro peer: from then on its tombstones are kept (see {@link
     * #keepsTombstones}).
     */
    static final String TOMBSTONES_KEY = Scriber.RESERVED_PREFIX + "tombstones";

    private static final int CHUNK = 500;

    private final Scriber scriber;
    private final Duration retention;
    private final ScheduledFuture<?> schedule;
    private volatile boolean unsupported;
    // Whether the last floor() met a peer this one relays through. Read by the compacting thread only.
    private boolean upstream;
    private volatile boolean toldUpstream;

    /** How far the log was compacted: every scribe up to {@code position} is gone; the newest clock among them. */
    record Mark(long position, long horizon) {
        static final Mark NONE = new Mark(0, 0);

        static Mark parse(String text) {
            int semi = text.indexOf(';');
            try {
                return semi < 0 ? new Mark(Long.parseLong(text), 0)
                        : new Mark(Long.parseLong(text.substring(0, semi)), Long.parseLong(text.substring(semi + 1)));
            } catch (NumberFormatException e) {
                return NONE;
            }
        }

        String text() {
            return position + ";" + horizon;
        }
    }

    Compactor(Scriber scriber, Duration every, Duration retention) {
        this.scriber = scriber;
        this.retention = retention;
        if (every == null) {
            this.schedule = null;
        } else {
            long millis = Math.max(1, every.toMillis());
            this.schedule = scriber.timer.scheduleWithFixedDelay(this::run, millis, millis, TimeUnit.MILLISECONDS);
        }
    }

    // The keys of the last snapshot taken, shared by every session sending one (see Snapshot). Guarded by the engine
    // lock.
    private Snapshot.Keys snapshotKeys;

    /**
     * The objects' keys in snapshot order, as of log position {@code position} or later: every object held there is
     * among them (one created since may be too; its create follows the snapshot in the log anyway, and one no longer
     * held is passed). Made again only for a snapshot taken after the log moved, not for each page of one while the
     * log moves. Caller holds the engine lock.
     */
    List<Key> snapshotKeys(long position) {
        long at = scriber.sharedLog.seenThrough();
        Snapshot.Keys cached = snapshotKeys;
        if (cached == null || cached.log() < position) {
            cached = new Snapshot.Keys(at, Snapshot.keys(scriber, true));
            snapshotKeys = cached;
        }
        return cached.keys();
    }

    /** How far the log was compacted, as the store says (another node sharing it may have compacted it). */
    Mark mark() {
        return scriber.store.cursor(KEY).map(Mark::parse).orElse(Mark.NONE);
    }

    // Whether TOMBSTONES_KEY is known to be stored (looked up at each step until it is: nodes sharing a store share
    // it). Guarded by the engine lock.
    private boolean tombstonesKept;
    // Whether a session on a Syncro wire was opened in this process.
    private volatile boolean syncroServed;

    /**
     * Whether compaction keeps the tombstones: once this peer served a Syncro peer (a session on a Syncro wire), now
     * or before, or another node sharing its store did (the store says so). Such a peer's history is read from its
     * start whenever it comes under a new name (as a server names Syncro connections by default), and still holds
     * the creates of objects destroyed since;
     * only the tombstone tells this peer they were destroyed, so that such a create is refused and the peer is sent
     * the destroy instead of the object coming back. Caller holds the engine lock.
     */
    private boolean keepsTombstones() {
        if (!tombstonesKept && scriber.store.cursor(TOMBSTONES_KEY).isPresent()) {
            tombstonesKept = true;   // another node sharing the store served one
        }
        return tombstonesKept || syncroServed;
    }

    /** A session on a Syncro wire opened: tombstones are kept from now on, and a compacting peer stores that. */
    void servedSyncro() {
        if (syncroServed) {
            return;
        }
        syncroServed = true;
        if (schedule != null) {
            scriber.timer.execute(() -> {
                scriber.lock.lock();
                try {
                    if (!scriber.closed) {
                        keepTombstones();
                    }
                } catch (RuntimeException e) {
                    log.warn("scriber {}: storing that tombstones are kept failed: {}", scriber.guid, e.toString());
                } finally {
                    scriber.lock.unlock();
                }
            });
        }
    }

    /** Stores {@link #TOMBSTONES_KEY} unless stored. Caller holds the engine lock. */
    private void keepTombstones() {
        if (tombstonesKept || scriber.store.cursor(TOMBSTONES_KEY).isPresent()) {
            tombstonesKept = true;
            return;
        }
        Txn tx = new Txn();
        tx.cursors().put(TOMBSTONES_KEY, "kept");
        scriber.commit(tx);
        tombstonesKept = true;
        log.info("scriber {}: it serves Syncro peers, whose whole history may be read again: compaction keeps"
                + " tombstones from now on", scriber.guid);
    }

    void cancel() {
        if (schedule != null) {
            schedule.cancel(false);
        }
    }

    private void run() {
        if (scriber.closed || unsupported) {
            return;
        }
        try {
            compact();
        } catch (RuntimeException e) {
            log.warn("scriber {}: compaction failed: {}", scriber.guid, e.toString());
        }
    }

    /** The most scribes one step removes, so the lock is never held for a whole large backlog. */
    private static final long STEP = 10_000;

    /** Compacts as far as the rule allows now, in steps; returns the compacted position. */
    long compact() {
        long before = -1;
        long now = step();
        while (now > before && !scriber.closed && !unsupported && !upstream && now < stepLimit) {
            before = now;
            now = step();
        }
        return now;
    }

    // Where the rule allowed the last step to go; a step stops short of it only by STEP.
    private long stepLimit;

    private long step() {
        scriber.lock.lock();
        try {
            // Sessions that are up to date confirm it, for the next compaction: their answers to pushes alone never
            // pass the scribes they were not pushed.
            long end = scriber.sharedLog.seenThrough();
            for (Session s : scriber.sessions) {
                s.pusher.confirmPushed(end);
            }
        } finally {
            scriber.lock.unlock();
        }
        scriber.flush();
        Mark done = mark();
        long floor = floor();
        long upTo;
        scriber.lock.lock();
        try {
            upTo = Math.min(floor, scriber.sharedLog.seenThrough());
        } finally {
            scriber.lock.unlock();
        }
        if (upstream) {
            if (!toldUpstream) {
                toldUpstream = true;
                log.info("scriber {}: not compacting: it relays through another peer (its server), which decides"
                        + " what history may go", scriber.guid);
            }
            return done.position();
        }
        stepLimit = upTo;
        upTo = Math.min(upTo, done.position() + STEP);
        if (upTo <= done.position() || unsupported) {
            return done.position();
        }
        // What goes, read before the lock (nothing below the end of the log changes): the destroys whose tombstones
        // go with it, and the newest clock.
        Map<Key, Stamp> destroyed = new HashMap<>();
        long horizon = done.horizon();
        long after = done.position();
        while (after < upTo) {
            List<Scribe> page = scriber.store.readAfter(after, CHUNK);
            if (page.isEmpty()) {
                break;
            }
            for (Scribe s : page) {
                long id = Long.parseLong(s.id());
                if (id > upTo) {
                    after = upTo;
                    break;
                }
                horizon = Math.max(horizon, s.clock());
                SyncedClass<?> c = scriber.classes.byKlass(s.klass());
                if (s.type() == Scribe.Type.DESTROY && c != null) {
                    destroyed.put(IdentityMap.keyOfScribe(c, s), new Stamp(s.clock(), s.origin() == null ? "" : s.origin()));
                }
                after = id;
            }
        }
        Mark next = new Mark(upTo, horizon);
        boolean keep;
        scriber.lock.lock();
        try {
            List<ObjectState> tombstones = new ArrayList<>();
            keep = keepsTombstones();
            if (keep) {
                keepTombstones();
            } else {
                destroyed.forEach((key, stamp) -> {
                    ObjectState state = scriber.live.states.get(key);
                    if (state != null && state.destroyed() && state.tombstone().clock() == stamp.clock()) {
                        tombstones.add(state);
                    }
                });
            }
            Txn tx = new Txn();
            tx.cursors().put(KEY, next.text());
            scriber.commit(tx);
            if (!scriber.store.compact(upTo, tombstones)) {
                unsupported = true;
                log.warn("scriber {}: the store {} cannot compact; compaction is off", scriber.guid,
                        scriber.store.getClass().getName());
                return done.position();
            }
            for (ObjectState t : tombstones) {
                scriber.live.states.remove(new Key(t.klass(), t.id()));
            }
        } finally {
            scriber.lock.unlock();
        }
        log.debug("scriber {}: log compacted up to {} ({} tombstones removed)", scriber.guid, upTo,
                keep ? 0 : destroyed.size());
        return upTo;
    }

    /**
     * The lowest position acknowledged by a client that is connected or was seen within the retention window. A
     * position stored without the time it was written (by an older version) counts as seen now.
     */
    private long floor() {
        long now = scriber.wallClock.millis();
        long oldest = now - retention.toMillis();
        Map<String, Long> positions = new HashMap<>();
        upstream = false;
        Map<String, String> known = scriber.store.cursors(Acknowledged.KEY_PREFIX);
        List<Client> connected = scriber.clients.connected();
        if (known.isEmpty() && connected.isEmpty()) {
            // No peer ever acknowledged anything here: nothing is known to be safe to remove (a peer started
            // offline would otherwise drop its own changes before its server had them).
            return 0;
        }
        for (Map.Entry<String, String> e : known.entrySet()) {
            long[] stored = Acknowledged.parseStored(e.getValue());
            upstream |= stored[1] == Long.MAX_VALUE;
            if (stored[1] == 0 || stored[1] >= oldest) {
                positions.put(e.getKey().substring(Acknowledged.KEY_PREFIX.length()), stored[0]);
            }
        }
        for (Client client : connected) {
            positions.put(client.id(), client.acknowledged.position());
            upstream |= client.acknowledged.isUpstream();
        }
        long floor = Long.MAX_VALUE;
        for (long p : positions.values()) {
            floor = Math.min(floor, p);
        }
        return floor;
    }
}
