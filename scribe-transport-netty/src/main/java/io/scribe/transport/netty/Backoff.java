package io.scribe.transport.netty;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a {@link ScribeClient} tries again after a failed or lost connection: exponential backoff with jitter,
 * bounded in delay and, optionally, in attempts. Attempt {@code n} (from 0) waits {@code min(max, initial * 2^n)},
 * less a random share of up to {@code jitter} of it, so that many clients cut off at once do not come back at once.
 * Immutable.
 *
 * @param initial the delay before the first retry
 * @param max the longest delay
 * @param jitter the random share taken off each delay, 0 (none) to 1 (full jitter)
 * @param maxAttempts retries after which the client gives up; {@link Integer#MAX_VALUE} for no limit
 */
public record Backoff(Duration initial, Duration max, double jitter, int maxAttempts) {

    /** 100 ms doubling up to 30 s, half jitter, no limit on attempts. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30), 0.5,
            Integer.MAX_VALUE);

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("need 0 < initial <= max: " + initial + ", " + max);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be in [0, 1]: " + jitter);
        }
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("max attempts must not be negative: " + maxAttempts);
        }
    }

    /** The delay before retry number {@code attempt} (0 for the first), in milliseconds, jitter applied. */
    public long delayMillis(int attempt) {
        long base = initial.toMillis();
        long cap = max.toMillis();
        double exponential = base * Math.pow(2, Math.max(attempt, 0));
        long delay = exponential >= cap ? cap : (long) exponential;
        return delay - (long) (delay * jitter * ThreadLocalRandom.current().nextDouble());
    }
}
