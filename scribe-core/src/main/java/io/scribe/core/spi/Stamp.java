package io.scribe.core.spi;

import java.util.Comparator;
import java.util.Objects;

/**
 * When and where a value was written: a hybrid logical clock value and the GUID of the peer that wrote it. Stamps are
 * totally ordered by clock, then by origin, which is what last-writer-wins needs to give every peer the same answer.
 *
 * @param clock hybrid logical clock (wall millis in the high 48 bits, a counter in the low 16)
 * @param origin the writer's GUID
 * @param base the clock of the value the writer replaced, as the writer knew it (0 when unknown or for a create);
 *     not part of the order, it lets a resolver tell a concurrent write from one made after seeing the other
 */
public record Stamp(long clock, String origin, long base) implements Comparable<Stamp> {

    private static final Comparator<Stamp> ORDER =
            Comparator.comparingLong(Stamp::clock).thenComparing(Stamp::origin);

    /** Checks that {@code origin} is present. */
    public Stamp {
        Objects.requireNonNull(origin, "origin");
    }

    /** A stamp with no known base. */
    public Stamp(long clock, String origin) {
        this(clock, origin, 0);
    }

    @Override
    public int compareTo(Stamp other) {
        return ORDER.compare(this, other);
    }
}
