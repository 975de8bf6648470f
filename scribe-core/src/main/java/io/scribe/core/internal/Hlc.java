package io.scribe.core.internal;

import java.time.Clock;

/**
 * A hybrid logical clock: wall-clock milliseconds in the high 48 bits and a counter in the low 16. Every value it
 * hands out is greater than every value it handed out or observed before, so a peer's changes are strictly ordered
 * and a change made after seeing a remote one is ordered after it, whatever the wall clocks say. Thread-safe.
 */
public final class Hlc {

    private static final int COUNTER_BITS = 16;

    private final Clock clock;
    private long last;

    public Hlc(Clock clock) {
        this.clock = clock;
    }

    /** Returns a new timestamp for a local event. */
    public synchronized long tick() {
        long wall = clock.millis() << COUNTER_BITS;
        last = wall > last ? wall : last + 1;
        return last;
    }

    /** Takes a remote timestamp into account, so that later local ticks are greater than it. */
    public synchronized void observe(long remote) {
        if (remote > last) {
            last = remote;
        }
    }

    /** The wall-clock milliseconds part of a timestamp. */
    public static long millis(long hlc) {
        return hlc >>> COUNTER_BITS;
    }
}
