package io.scribe.core;

import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * The one scribe a local write stored, as the list {@link Txn#writeTo} returns: the scribe as recorded and the id the
 * store gave it, the scribe under that id made when it is first read. A write nobody reads the answer of (no session, no
 * metrics) then makes no scribe with its id string for it; an update of one field by its parts is its own such list
 * ({@link RecordedField}). Immutable as seen from outside.
 */
final class StoredOne extends AbstractList<Scribe> implements RandomAccess {

    /** The scribe as recorded. */
    private final Scribe recorded;
    private final long id;
    /** {@link #recorded} under {@link #id}, once read; made again at worst by a racing reader (it is immutable). */
    private Scribe stored;

    StoredOne(Scribe recorded, long id) {
        this.recorded = recorded;
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
            s = recorded.withId(Long.toString(id));
            stored = s;
        }
        return s;
    }

    @Override
    public int size() {
        return 1;
    }
}
