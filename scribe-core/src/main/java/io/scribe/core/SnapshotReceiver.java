package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot one session receives from the peer it relays through (see {@link Snapshot}), from its first page to its
 * last: the objects it carried so far, and, when it ends, the objects held here that it no longer carries, which were
 * destroyed or hidden there while this peer was away and are forgotten here. Guarded by the engine lock.
 */
final class SnapshotReceiver {

    private final Session session;
    private final Scriber scriber;
    // The objects the snapshot held so far (null: none is being received), and how far the peer had stored this
    // peer's log when it took the snapshot.
    private java.util.Set<Key> snapshotSeen;
    private long snapshotStored;

    SnapshotReceiver(Session session) {
        this.session = session;
        this.scriber = session.scriber();
    }

    /** A snapshot starts; the peer had stored this peer's log up to {@code stored} when it took it. */
    void start(long stored) {
        snapshotSeen = new java.util.HashSet<>();
        snapshotStored = stored;
    }

    /** Whether a snapshot is being received. */
    boolean receiving() {
        return snapshotSeen != null;
    }

    /** The snapshot's last page was stored. */
    void ended() {
        snapshotSeen = null;
    }


    /**
     * Notes the objects {@code scribes}, a page of the snapshot (each a {@link Scribe} or its JSON tree), carry: those
     * its creates carry, and those its destroys carry as tombstones (which this peer keeps, as the peer does).
     */
    void noteCarried(List<?> scribes) {
        java.util.Set<Key> keys = snapshotSeen;
        for (Object item : scribes) {
            String klass;
            String type;
            JsonNode data;
            if (item instanceof Scribe s) {
                klass = s.klass();
                type = s.type().wireName();
                data = s.data();
            } else {
                JsonNode node = (JsonNode) item;
                klass = node.path("klass").asText();
                type = node.path("type").asText();
                data = node.path("data");
            }
            SyncedClass<?> c = scriber.classes.byKlass(klass);
            JsonNode id = c == null ? null : "create".equals(type) ? data.get(c.idField.name())
                    : "destroy".equals(type) ? data.get(0) : null;
            if (id != null && id.isValueNode()) {
                keys.add(new Key(c.klass, SyncedClass.idText(id)));
            }
        }
    }

    /** The objects this peer created in the scribes of its log after {@code position}. Reads the store. */
    private java.util.Set<Key> ownSince(long position) {
        java.util.Set<Key> keys = new java.util.HashSet<>();
        long after = position;
        while (true) {
            List<Scribe> page = scriber.store.readAfter(after, 500);
            for (Scribe s : page) {
                SyncedClass<?> c = scriber.classes.byKlass(s.klass());
                if (c != null && s.type() == Scribe.Type.CREATE && scriber.guid.equals(s.origin())) {
                    keys.add(IdentityMap.keyOfScribe(c, s));
                }
                after = Acknowledged.parse(s.id());
            }
            if (page.size() < 500) {
                return keys;
            }
        }
    }

    /**
     * A whole snapshot was played: an object held here that it did not carry, and that this peer did not create
     * after what the peer had stored of this peer's log when it took the snapshot, was destroyed (or hidden from
     * this peer) there while this peer was away, and its tombstone went with the compacted history. It is forgotten here
     * (staged in {@code tx}; {@link #forgetStates} then leaves no tombstone), so the peer can still send it again; an
     * edit of it not uploaded yet will be refused there as an edit of an unknown object. Caller holds the engine lock.
     *
     * @return the tombstones staged
     */
    List<io.scribe.core.spi.ObjectState> forgetDropped(Txn tx) {
        java.util.Set<Key> seen = snapshotSeen;
        // Read now, under the lock: an object created here while the snapshot was arriving is kept too.
        java.util.Set<Key> snapshotOwn = ownSince(snapshotStored);
        List<io.scribe.core.spi.ObjectState> forgotten = new ArrayList<>();
        scriber.live.states.forEach((key, state) -> {
            SyncedClass<?> c = scriber.classes.byKlass(key.klass());
            if (c == null || state.destroyed() || seen.contains(key) || snapshotOwn.contains(key)) {
                return;
            }
            io.scribe.core.spi.ObjectState tomb = Player.tombstone(c, key, state.fields().get(c.idField.name()),
                    new io.scribe.core.spi.Stamp(0, session.client().id()), null);
            tx.states.put(key, tomb);
            forgotten.add(tomb);
            Object object = scriber.live.object(key);
            if (object != null) {
                tx.unbind(key);
                tx.change(new Change<>(Scribe.Type.DESTROY, object, key.id(), java.util.Set.of(),
                        session.client().id(), false));
            }
        });
        return forgotten;
    }

    /**
     * Removes the tombstones {@link #forgetDropped} left, once stored, so the identities can come again. Caller
     * holds the engine lock.
     */
    void forgetStates(List<io.scribe.core.spi.ObjectState> forgotten) {
        if (scriber.store.compact(0, forgotten)) {
            forgotten.forEach(t -> scriber.live.states.remove(new Key(t.klass(), t.id())));
        }
        org.slf4j.LoggerFactory.getLogger(SnapshotReceiver.class).info("scriber {}: {} objects forgotten after a snapshot"
                + " from {} (destroyed or hidden there while this peer was away)", scriber.guid, forgotten.size(),
                session.client().id());
    }
}
