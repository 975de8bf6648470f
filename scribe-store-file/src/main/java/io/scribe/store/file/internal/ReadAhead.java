package io.scribe.store.file.internal;

import io.scribe.core.ScribeException;
import io.scribe.core.spi.ObjectState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Hands the states of a store's segments to an action on the calling thread while a thread of its own copies and
 * decodes the next segments: the read of segment N+1 overlaps the action on segment N (a peer's start restores the
 * objects of one segment while the next is parsed). At most {@link #AHEAD} decoded segments wait, so the heap holds a
 * few segments' states beyond what the action keeps, never the whole store's.
 *
 * <p>The action runs on the caller's thread, in segment order and, within a segment, in the order the segment reader
 * gives. An exception from reading a segment is thrown to the caller after the states of the segments before it
 * were handed over (as a read on the calling thread would); an exception from the action stops the reading thread,
 * which has ended when {@link #handTo} returns or throws.
 */
public final class ReadAhead {

    /** Decoded segments that may wait for the action. */
    static final int AHEAD = 2;

    /** Reads one segment: copies its states into {@code scratch} (reused), decodes them to {@code sink}. */
    @FunctionalInterface
    public interface SegmentReader {
        void read(int segment, SegmentStates scratch, Consumer<ObjectState> sink);
    }

    /** The end of the segments, in the queue. */
    private static final Object END = new Object();

    private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(AHEAD);
    private final Thread thread;
    private volatile boolean stopped;

    private ReadAhead(int segments, SegmentReader reader, String threadName) {
        thread = new Thread(() -> read(segments, reader), threadName);
        thread.setDaemon(true);
    }

    /**
     * A read of segments {@code 0} to {@code segments - 1} by {@code reader} on a daemon thread named {@code
     * threadName}; {@link #handTo} starts it.
     */
    public static ReadAhead of(int segments, SegmentReader reader, String threadName) {
        return new ReadAhead(segments, reader, threadName);
    }

    /**
     * Calls {@code action} with every state as the reading thread decodes them, one segment ahead of the action or
     * more; returns once every segment was handed over, or throws what reading or the action threw. If {@link #stop}
     * is called meanwhile (the store closes), throws an {@link IllegalStateException} saying so.
     */
    @SuppressWarnings("unchecked")
    public void handTo(Consumer<ObjectState> action) {
        thread.start();
        try {
            for (Object next = take(); next != END; next = take()) {
                if (next instanceof RuntimeException e) {
                    throw e;
                }
                if (next instanceof Error e) {
                    throw e;
                }
                for (ObjectState state : (List<ObjectState>) next) {
                    action.accept(state);
                }
            }
        } finally {
            stop();
        }
    }

    /**
     * Stops the reading thread and waits until it has ended (it reads no more of the store once this returns); a
     * {@link #handTo} in progress then throws. Idempotent, from any thread.
     */
    public void stop() {
        stopped = true;
        ready.clear();   // a reader waiting to hand over a segment sees the stop
        if (thread != Thread.currentThread()) {
            join(thread);
        }
    }

    /** The reading thread: every segment decoded into a list of its own, then the end (or what went wrong). */
    private void read(int segments, SegmentReader reader) {
        SegmentStates scratch = new SegmentStates();
        try {
            for (int i = 0; i < segments && !stopped; i++) {
                List<ObjectState> states = new ArrayList<>();
                reader.read(i, scratch, states::add);
                scratch.clear();
                hand(states);
            }
            hand(END);
        } catch (RuntimeException | Error e) {
            hand(e);
        }
    }

    /** Queues {@code item} for the caller, waiting while {@link #AHEAD} wait already; gives up once stopped. */
    private void hand(Object item) {
        try {
            while (!stopped) {
                if (ready.offer(item, 50, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The next item of the queue; throws once stopped from elsewhere with nothing left to take. */
    private Object take() {
        try {
            while (true) {
                Object next = ready.poll(50, TimeUnit.MILLISECONDS);
                if (next != null) {
                    return next;
                }
                if (stopped) {
                    throw new IllegalStateException("the store was closed while its objects were read");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScribeException(ScribeException.INTERNAL, "interrupted while reading the stored objects", e);
        }
    }

    private static void join(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
