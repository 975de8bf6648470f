package io.scribe.testkit;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock the test moves by hand. {@link #skewed(long)} gives another view of the same time, off by a fixed
 * amount, so several peers can each read their own skewed clock while the test advances them all at once.
 * Thread-safe.
 */
public final class ManualClock extends Clock {

    private final AtomicLong now;
    private final long skew;

    /** A clock that reads {@code startMillis} (epoch milliseconds) until advanced. */
    public ManualClock(long startMillis) {
        this(new AtomicLong(startMillis), 0);
    }

    private ManualClock(AtomicLong now, long skew) {
        this.now = now;
        this.skew = skew;
    }

    /** A view of the same time that reads {@code skewMillis} later (earlier when negative). */
    public ManualClock skewed(long skewMillis) {
        return new ManualClock(now, skew + skewMillis);
    }

    /** Moves the time of this clock and of every view of it forward. */
    public void advance(long millis) {
        if (millis < 0) {
            throw new IllegalArgumentException("time does not go back: " + millis);
        }
        now.addAndGet(millis);
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
