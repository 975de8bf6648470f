package io.scribe.transport.netty.internal;

import io.netty.handler.ssl.SslContext;
import io.scribe.core.Wire;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * What the channel handlers of one server or client need to know, fixed when it starts.
 *
 * @param wire the wire of the TCP sessions (framing, maximum frame size, Syncro mode)
 * @param ssl TLS context, or null for plain text
 * @param heartbeat a {@code noop} is sent when nothing was written for this long
 * @param idleTimeout a peer silent for this long (nothing read) is dropped; also bounds the handshake
 * @param lowWaterMark outbound bytes under which a channel is writable again
 * @param highWaterMark outbound bytes over which a channel turns unwritable (it goes on reading)
 * @param maxPendingBytes outbound bytes over which a connection is dropped at once
 * @param unwritableTimeout a connection that stays unwritable this long is dropped
 * @param syncroNamer names a Syncro peer (which sends no hello) from its address
 */
public record Settings(
        Wire wire,
        SslContext ssl,
        Duration heartbeat,
        Duration idleTimeout,
        int lowWaterMark,
        int highWaterMark,
        long maxPendingBytes,
        Duration unwritableTimeout,
        Function<InetSocketAddress, String> syncroNamer) {

    /** The largest hello accepted: a GUID and a little JSON. */
    public static final int MAX_HELLO_BYTES = 4096;

    public Settings {
        Objects.requireNonNull(wire, "wire");
        Objects.requireNonNull(heartbeat, "heartbeat");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(unwritableTimeout, "unwritableTimeout");
        Objects.requireNonNull(syncroNamer, "syncroNamer");
    }

    /**
     * Checks a heartbeat setting, as both builders take it.
     *
     * @throws IllegalArgumentException unless both are positive and the idle timeout exceeds the interval
     */
    public static void checkHeartbeat(Duration interval, Duration idleTimeout) {
        requirePositive(interval, "interval");
        requirePositive(idleTimeout, "idleTimeout");
        if (idleTimeout.compareTo(interval) <= 0) {
            throw new IllegalArgumentException(
                    "idle timeout " + idleTimeout + " must exceed the heartbeat interval " + interval);
        }
    }

    /**
     * Checks outbound limits, as both builders take them.
     *
     * @throws IllegalArgumentException unless {@code 0 < low <= high <= max} and the timeout is positive
     */
    public static void checkOutboundLimits(int low, int high, long max, Duration unwritableTimeout) {
        if (low <= 0 || high < low || max < high) {
            throw new IllegalArgumentException("need 0 < low <= high <= max: " + low + ", " + high + ", " + max);
        }
        requirePositive(unwritableTimeout, "unwritableTimeout");
    }

    /** @throws IllegalArgumentException unless {@code d} is positive */
    public static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }
}
