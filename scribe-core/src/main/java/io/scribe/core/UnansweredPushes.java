package io.scribe.core;

/**
 * The pushes to a peer that acknowledges cumulatively that it has not answered yet, in log order, each with the time
 * its answer is due: passed by an {@code ack}, taken out by an {@code error} naming one, or expired. Kept as pairs of
 * longs in one ring array, so that noting a push allocates nothing. Thread-safe: the reading thread, the engine and the
 * timer all use it.
 */
final class UnansweredPushes {

    /** A run of pushes taken out at once: how many, and the log position of the first and the last. */
    record Taken(int count, long first, long last) {
        static final Taken NONE = new Taken(0, -1, -1);
    }

    // Pairs (position, deadline in System.nanoTime() terms) from index 2 * head on, wrapping; size pairs in use.
    private long[] ring = new long[16];
    private int head;
    private int size;

    private int slot(int i) {
        return (2 * (head + i)) & (ring.length - 1);
    }

    /** Notes a push of the scribe at {@code position}, to be answered by {@code deadline}. */
    synchronized void add(long position, long deadline) {
        if (2 * size == ring.length) {
            long[] grown = new long[ring.length * 2];
            for (int i = 0; i < size; i++) {
                int from = slot(i);
                grown[2 * i] = ring[from];
                grown[2 * i + 1] = ring[from + 1];
            }
            ring = grown;
            head = 0;
        }
        int at = slot(size++);
        ring[at] = position;
        ring[at + 1] = deadline;
    }

    /** Takes out every push up to {@code upTo}, the position an {@code ack} passes. */
    synchronized Taken upTo(long upTo) {
        return takeWhile(upTo, Long.MAX_VALUE, false);
    }

    /** Takes out every push whose deadline is at or before {@code now}. */
    synchronized Taken expired(long now) {
        return takeWhile(Long.MAX_VALUE, now, true);
    }

    private Taken takeWhile(long upTo, long now, boolean byDeadline) {
        int n = 0;
        long first = -1;
        long last = -1;
        while (n < size) {
            int at = slot(n);
            long position = ring[at];
            if (byDeadline ? now - ring[at + 1] < 0 : position > upTo) {
                break;
            }
            if (n++ == 0) {
                first = position;
            }
            last = position;
        }
        if (n == 0) {
            return Taken.NONE;
        }
        head = (head + n) & (ring.length / 2 - 1);
        size -= n;
        return new Taken(n, first, last);
    }

    /** Takes out the push of the scribe at {@code position}; false when none waits. */
    synchronized boolean remove(long position) {
        for (int i = 0; i < size; i++) {
            long at = ring[slot(i)];
            if (at == position) {
                removeAt(i);
                return true;
            }
            if (at > position) {
                return false;
            }
        }
        return false;
    }

    /**
     * Takes back the push of the scribe at {@code position} just noted by {@link #add} (it could not be sent),
     * wherever it stands; false when none waits.
     */
    synchronized boolean takeBack(long position) {
        for (int i = size - 1; i >= 0; i--) {
            if (ring[slot(i)] == position) {
                removeAt(i);
                return true;
            }
        }
        return false;
    }

    /** Removes the {@code i}th pair, moving the ones after it up by one. */
    private void removeAt(int i) {
        for (int j = i; j < size - 1; j++) {
            int to = slot(j);
            int from = slot(j + 1);
            ring[to] = ring[from];
            ring[to + 1] = ring[from + 1];
        }
        size--;
    }

    synchronized int size() {
        return size;
    }

    synchronized void clear() {
        head = 0;
        size = 0;
    }
}
