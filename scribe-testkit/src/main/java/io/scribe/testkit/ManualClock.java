package io.scribe.testkit;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A wall clock the test moves by hand. {@link #skewed(long)} gives another view of the same time, off by a fixed
 * amount, so several peers can each read their own skewed clock while the test advances them all at once; {@link
 * #timer()} a scheduler on the same time, whose due tasks run as the clock advances. Thread-safe.
 */
public final class ManualClock extends Clock {

    private final AtomicLong now;
    private final long skew;
    private final AtomicReference<ManualTimer> timer;

    /** A clock that reads {@code startMillis} (epoch milliseconds) until advanced. */
    public ManualClock(long startMillis) {
        this(new AtomicLong(startMillis), 0, new AtomicReference<>());
    }

    private ManualClock(AtomicLong now, long skew, AtomicReference<ManualTimer> timer) {
        this.now = now;
        this.skew = skew;
        this.timer = timer;
    }

    /** A view of the same time that reads {@code skewMillis} later (earlier when negative). */
    public ManualClock skewed(long skewMillis) {
        return new ManualClock(now, skew + skewMillis, timer);
    }

    /**
     * The scheduler on this clock's time, the same for every view of it (for {@code Scriber.Builder.timer}): each
     * {@link #advance} runs, on the advancing thread, the tasks that fall due by the new time. Peers that share it and
     * a network driven by a seeded {@link java.util.Random} make a run that replays exactly from its seed.
     */
    public ManualTimer timer() {
        ManualTimer t = timer.get();
        if (t == null) {
            timer.compareAndSet(null, new ManualTimer());
            t = timer.get();
        }
        return t;
    }

    /** Moves the time of this clock and of every view of it forward, then runs what fell due on its {@link #timer}. */
    public void advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("time does not go back: " + millis);
        }
        now.addAndGet(millis);
        ManualTimer t = timer.get();
        if (t != null) {
            t.advance(Duration.ofMillis(millis));
        }
    }

    @Override
    public long millis() {
        return now.get() + skew;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
