package io.scribe.core;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * The one scribe a local write stored, as the list {@link Txn#writeTo} returns: the scribe as recorded and the id the
 * store gave it, the scribe under that id made when it is first read. A write nobody reads the answer of (an enhanced
 * setter, no session, no metrics) then makes no scribe, id string or list for it. Immutable as seen from outside.
 */
final class StoredOne extends AbstractList<Scribe> implements RandomAccess {

    /** The scribe as recorded, or null when it was recorded by its {@link #parts}. */
    private final Scribe recorded;
    private final RecordedField parts;
    private final long id;
    /** {@link #recorded} under {@link #id}, once read; made again at worst by a racing reader (it is immutable). */
    private Scribe stored;

    StoredOne(Scribe recorded, long id) {
        this.recorded = recorded;
        this.parts = null;
        this.id = id;
    }

    /** The update {@code parts} make, stored under {@code id}. */
    StoredOne(RecordedField parts, long id) {
        this.recorded = null;
        this.parts = parts;
        this.id = id;
    }

    /** The id the store gave the scribe. */
    long id() {
        return id;
    }

    @Override
    public Scribe get(int index) {
        if (index != 0) {
            throw new IndexOutOfBoundsException("index " + index + ", size 1");
        }
        Scribe s = stored;
        if (s == null) {
            s = recorded != null ? recorded.withId(Long.toString(id)) : parts.scribe(Long.toString(id));
            stored = s;
        }
        return s;
    }

    @Override
    public int size() {
        return 1;
    }
}
