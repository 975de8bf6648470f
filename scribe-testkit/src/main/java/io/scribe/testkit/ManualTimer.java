package io.scribe.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} on virtual time, for {@link io.scribe.core.Scriber.Builder#timer}: nothing runs
 * until the test calls {@link #advance}, which runs every task that falls due by then, in order of due time (then of
 * scheduling), on the calling thread. A test whose peers share one such timer and whose network is driven by a seeded
 * {@link java.util.Random} replays exactly from its seed: held acknowledgements, catch-up retries, compaction and every
 * other timed step of the engine happen at the same points of the run every time.
 *
 * <p>A task that throws ends (a periodic one is not run again) and its future holds the failure, as with the JDK's
 * scheduler. Thread-safe; tasks may be scheduled from any thread, but they run only inside {@link #advance}.
 */
public final class ManualTimer extends AbstractExecutorService implements ScheduledExecutorService {

    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
    private long now;
    private long scheduled;
    private boolean shutdown;

    /** Advances virtual time by {@code by}, running every task due by then; returns how many ran. */
    public int advance(Duration by) {
        long target;
        synchronized (this) {
            target = now + by.toNanos();
        }
        int ran = 0;
        while (true) {
            Task<?> next;
            synchronized (this) {
                next = queue.peek();
                if (next == null || next.due > target) {
                    now = target;
                    return ran;
                }
                queue.poll();
                now = Math.max(now, next.due);
            }
            next.run();
            ran++;
        }
    }

    /** Runs every task due now (those scheduled without delay, or whose delay already ran out). */
    public int runDue() {
        return advance(Duration.ZERO);
    }

    /** How many tasks wait, periodic ones included. */
    public synchronized int waiting() {
        return queue.size();
    }

    private synchronized <V> Task<V> add(Callable<V> work, long delayNanos, long periodNanos) {
        if (shutdown) {
            throw new RejectedExecutionException("timer shut down");
        }
        Task<V> task = new Task<>(work, now + Math.max(0, delayNanos), periodNanos, scheduled++);
        queue.add(task);
        return task;
    }

    private synchronized void again(Task<?> task) {
        if (!shutdown) {
            task.due = now + task.period;
            task.order = scheduled++;
            queue.add(task);
        }
    }

    private synchronized void remove(Task<?> task) {
        queue.remove(task);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return add(Executors.callable(command), unit.toNanos(delay), 0);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return add(callable, unit.toNanos(delay), 0);
    }

    /** Runs every {@code period} after the first run's due time; a late {@link #advance} does not make up runs. */
    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return scheduleWithFixedDelay(command, initialDelay, period, unit);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        if (delay <= 0) {
            throw new IllegalArgumentException("period must be positive: " + delay);
        }
        return add(Executors.callable(command), unit.toNanos(initialDelay), unit.toNanos(delay));
    }

    @Override
    public void execute(Runnable command) {
        add(Executors.callable(command), 0, 0);
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
    }

    @Override
    public synchronized List<Runnable> shutdownNow() {
        shutdown = true;
        List<Runnable> left = new ArrayList<>();
        for (Task<?> t : queue) {
            left.add(t::run);
        }
        queue.clear();
        return left;
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    private final class Task<V> implements ScheduledFuture<V> {
        private final Callable<V> work;
        private final long period;
        private long due;
        private long order;
        private boolean cancelled;
        private boolean done;
        private V result;
        private Throwable failure;

        Task(Callable<V> work, long due, long period, long order) {
            this.work = work;
            this.due = due;
            this.period = period;
            this.order = order;
        }

        void run() {
            synchronized (ManualTimer.this) {
                if (cancelled || done) {
                    return;
                }
            }
            try {
                V value = work.call();
                synchronized (ManualTimer.this) {
                    if (period == 0) {
                        result = value;
                        done = true;
                        return;
                    }
                }
                if (!isCancelled()) {
                    again(this);
                }
            } catch (Exception | Error e) {
                synchronized (ManualTimer.this) {
                    failure = e;
                    done = true;
                }
            }
        }

        @Override
        public long getDelay(TimeUnit unit) {
            synchronized (ManualTimer.this) {
                return unit.convert(due - now, TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public int compareTo(Delayed other) {
            if (other instanceof Task<?> t) {
                int byDue = Long.compare(due, t.due);
                return byDue != 0 ? byDue : Long.compare(order, t.order);
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (ManualTimer.this) {
                if (done || cancelled) {
                    return false;
                }
                cancelled = true;
            }
            remove(this);
            return true;
        }

        @Override
        public boolean isCancelled() {
            synchronized (ManualTimer.this) {
                return cancelled;
            }
        }

        @Override
        public boolean isDone() {
            synchronized (ManualTimer.this) {
                return done || cancelled;
            }
        }

        @Override
        public V get() throws ExecutionException {
            synchronized (ManualTimer.this) {
                if (cancelled) {
                    throw new java.util.concurrent.CancellationException();
                }
                if (!done) {
                    throw new IllegalStateException("not run yet: the test runs it with advance()");
                }
                if (failure != null) {
                    throw new ExecutionException(failure);
                }
                return result;
            }
        }

        @Override
        public V get(long timeout, TimeUnit unit) throws ExecutionException {
            return get();
        }
    }
}
