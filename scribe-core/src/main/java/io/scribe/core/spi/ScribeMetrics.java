package io.scribe.core.spi;

import io.scribe.core.Scribe;

/**
 * What a Scriber tells a metrics library (see the {@code scribe-micrometer} module): events as they happen, each a
 * cheap call on the engine's path. Every method has a no-op default, so an implementation overrides what it counts
 * and the interface can grow. Set one with {@code Scriber.Builder.metrics}.
 *
 * <p>Methods are called from the engine's and the transports' threads, some under the Scriber's lock: they must be
 * thread-safe, quick, and must not block or call back into the Scriber. An exception is not caught.
 */
public interface ScribeMetrics {

    /** Counts nothing. */
    ScribeMetrics NONE = new ScribeMetrics() {};

    /** A scribe recorded on this peer (a local change, a correction or a follow-up) was stored. */
    default void recorded(Scribe scribe) {}

    /** A scribe from {@code from} was played and stored (pushed, or read in a catch-up page). */
    default void played(Scribe scribe, String from) {}

    /** A scribe was pushed to {@code to} as {@code add_scribe}. */
    default void relayed(Scribe scribe, String to) {}

    /** A scribe or message from {@code from} was refused with {@code code} (400, 403, 404, 413, ...). */
    default void refused(String from, int code) {}

    /** A store commit of {@code scribes} appended scribes took {@code nanos}. */
    default void committed(int scribes, long nanos) {}

    /** A catch-up page of {@code scribes} scribes from {@code from} was played; {@code more}: another follows. */
    default void caughtUpPage(String from, int scribes, boolean more) {}

    /** {@code bytes} were read from {@code peer} (frames with their prefixes, or messages). */
    default void bytesIn(String peer, long bytes) {}

    /** {@code bytes} were written to {@code peer}. */
    default void bytesOut(String peer, long bytes) {}
}
