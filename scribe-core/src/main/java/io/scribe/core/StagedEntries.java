package io.scribe.core;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Objects;

/**
 * The scribes one {@link Txn} appends, in order, as a list only added to: the only one held in a field of the list
 * itself (the usual step records one scribe), all of them in an {@code ArrayList} from the second on. Confined to
 * the thread holding the lock.
 */
final class StagedEntries extends AbstractList<Txn.Entry> {

    /** The only entry, while {@link #more} is null; null before the first add. */
    private Txn.Entry only;
    /** Every entry once there are two or more. */
    private ArrayList<Txn.Entry> more;

    @Override
    public Txn.Entry get(int index) {
        if (more != null) {
            return more.get(index);
        }
        if (index != 0 || only == null) {
            throw new IndexOutOfBoundsException("index " + index + ", size " + size());
        }
        return only;
    }

    /** Empties the list, for a {@link Txn} used again ({@link Txn#reset}). */
    @Override
    public void clear() {
        modCount++;
        only = null;
        more = null;
    }

    @Override
    public int size() {
        return more != null ? more.size() : only == null ? 0 : 1;
    }

    @Override
    public boolean add(Txn.Entry e) {
        Objects.requireNonNull(e, "entry");
        modCount++;
        if (more != null) {
            return more.add(e);
        }
        if (only == null) {
            only = e;
            return true;
        }
        more = new ArrayList<>(4);
        more.add(only);
        only = null;
        return more.add(e);
    }
}
