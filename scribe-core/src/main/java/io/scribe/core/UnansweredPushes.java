package io.scribe.core;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The pushes to a peer that acknowledges cumulatively that it has not answered yet, in log order, each with the time
 * its answer is due: passed by an {@code ack}, taken out by an {@code error} naming one, or expired. Thread-safe: the
 * reading thread, the engine and the timer all use it.
 */
final class UnansweredPushes {

    /** One unanswered push; {@code deadline} in {@link System#nanoTime} terms. */
    private record Push(long position, long deadline) {}

    /** A run of pushes taken out at once: how many, and the log position of the first and the last. */
    record Taken(int count, long first, long last) {
        static final Taken NONE = new Taken(0, -1, -1);
    }

    private final ArrayDeque<Push> pushes = new ArrayDeque<>();

    /** Notes a push of the scribe at {@code position}, to be answered by {@code deadline}. */
    synchronized void add(long position, long deadline) {
        pushes.addLast(new Push(position, deadline));
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
        for (Push p; (p = pushes.peekFirst()) != null
                && (byDeadline ? now - p.deadline() >= 0 : p.position() <= upTo); ) {
            pushes.pollFirst();
            if (n++ == 0) {
                first = p.position();
            }
            last = p.position();
        }
        return n == 0 ? Taken.NONE : new Taken(n, first, last);
    }

    /** Takes out the push of the scribe at {@code position}; false when none waits. */
    synchronized boolean remove(long position) {
        for (Iterator<Push> it = pushes.iterator(); it.hasNext(); ) {
            long at = it.next().position();
            if (at == position) {
                it.remove();
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
        for (Iterator<Push> it = pushes.descendingIterator(); it.hasNext(); ) {
            if (it.next().position() == position) {
                it.remove();
                return true;
            }
        }
        return false;
    }

    synchronized int size() {
        return pushes.size();
    }

    synchronized void clear() {
        pushes.clear();
    }
}
