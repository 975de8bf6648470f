package io.scribe.core.spi;

import io.scribe.core.ScribeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * For a {@link Store#forEachObject}: hands the states a store reads page by page (a segment of a file, a scan of a
 * hash) to the action on the calling thread while a thread of its own reads and decodes the next pages, so that the
 * read of page N+1 overlaps the action on page N (a peer's start builds the objects of one page while the next is
 * fetched and parsed). At most {@link #AHEAD} decoded pages wait, so the heap holds a few pages' states beyond what
 * the action keeps, never the whole store's.
 *
 * <p>The action runs on the caller's thread, in page order and, within a page, in the order the page reader gives.
 * An exception from reading a page is thrown to the caller after the states of the pages before it were handed over
 * (as a read on the calling thread would); an exception from the action stops the reading thread, which has ended
 * when {@link #handTo} returns or throws. A store that can be closed during the read calls {@link #stop} before it
 * releases what the reader uses.
 */
public final class ReadAhead {

    /** Decoded pages that may wait for the action. */
    public static final int AHEAD = 2;

    /** Reads a store's states a page at a time, on the reading thread only. */
    @FunctionalInterface
    public interface Pages {
        /** Reads the next page, each of its states decoded to {@code sink}; returns whether more pages follow. */
        boolean next(Consumer<ObjectState> sink);
    }

    /** The end of the pages, as {@link #last}. */
    private static final Object END = new Object();

    private final BlockingQueue<Object> ready = new ArrayBlockingQueue<>(AHEAD);
    /** Set by the reader after its last page was queued: {@link #END} or what it threw. */
    private volatile Object last;
    private final Thread thread;
    private volatile boolean stopped;

    private ReadAhead(Pages pages, String threadName) {
        thread = new Thread(() -> read(pages), threadName);
        thread.setDaemon(true);
    }

    /** A read of {@code pages} on a daemon thread named {@code threadName}; {@link #handTo} starts it. */
    public static ReadAhead of(Pages pages, String threadName) {
        return new ReadAhead(pages, threadName);
    }

    /**
     * Calls {@code action} with every state as the reading thread decodes them, one page ahead of the action or
     * more; returns once every page was handed over, or throws what reading or the action threw. If {@link #stop}
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

    /**
     * The reading thread: every page decoded into a list of its own and queued, then {@link #last} set to the end or
     * to what went wrong (a checked exception a page reader threw unchecked too, and an interrupt while waiting).
     */
    private void read(Pages pages) {
        Object end = END;
        try {
            boolean more = true;
            while (more && !stopped) {
                List<ObjectState> states = new ArrayList<>();
                more = pages.next(states::add);
                hand(states);
            }
        } catch (RuntimeException | Error e) {
            end = e;
        } catch (Throwable e) {
            end = new ScribeException(ScribeException.INTERNAL, "reading the stored objects failed: " + e, e);
        }
        last = end;
    }

    /** Queues {@code states} for the caller, waiting while {@link #AHEAD} wait already; gives up once stopped. */
    private void hand(List<ObjectState> states) {
        try {
            while (!stopped) {
                if (ready.offer(states, 50, TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // Not a page to drop and read on after: the read fails, and says why.
            Thread.currentThread().interrupt();
            throw new ScribeException(ScribeException.INTERNAL,
                    "the thread reading the stored objects was interrupted", e);
        }
    }

    /**
     * The next page, or at last {@link #last}; throws once stopped from elsewhere, also when pages the stop dropped
     * would have come before the end (checked after the queue is read, which the stop clears).
     */
    private Object take() {
        try {
            while (true) {
                Object end = last;   // read first: every page queued before it is then in the queue, or dropped
                Object next = end != null ? ready.poll() : ready.poll(50, TimeUnit.MILLISECONDS);
                if (stopped) {
                    throw new IllegalStateException("the store was closed while its objects were read");
                }
                if (next != null) {
                    return next;
                }
                if (end != null) {
                    return end;
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
