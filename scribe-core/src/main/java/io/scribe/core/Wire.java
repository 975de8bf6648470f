package io.scribe.core;

/**
 * How a session talks on the wire: the framing of its byte stream, the largest frame it accepts, and whether the
 * peer is a Ruby Syncro peer. Immutable; the {@code with*} methods return modified copies.
 *
 * <pre>
 * u32 frame (default)                      u16 frame (Syncro)
 * +--------+--------+--------+--------+--  +--------+--------+-----------------
 * |   length of JSON in bytes (BE)    |..  | length (BE)     | UTF-8 JSON ...
 * +--------+--------+--------+--------+--  +--------+--------+-----------------
 * </pre>
 *
 * <p>A Syncro peer raises on an inbound {@code error} and on anything it cannot parse, cannot page a {@code sync}
 * and cannot read frames over 65,535 bytes. In Syncro mode a session therefore answers bad input by logging it
 * instead of sending {@code error} (except the 403/404/405 answers Syncro itself gives to requests), closes the
 * connection on a frame that is not JSON (the stream is out of step), asks for catch-up without a {@code limit},
 * never sends the peer a scribe it cannot play, and sends it the values that won where its clockless scribes lost
 * (see {@code docs/PROTOCOL.md}). A Scriber refuses to record a change too big for the frames of its wires.
 */
public final class Wire {

    /** The length prefix of a frame. */
    public enum Framing {
        /** Two bytes, big-endian: Syncro's framing, 65,535 bytes at most. */
        U16(2, 0xFFFF),
        /** Four bytes, big-endian: the default. */
        U32(4, Integer.MAX_VALUE - 8);

        private final int prefixBytes;
        private final int limit;

        Framing(int prefixBytes, int limit) {
            this.prefixBytes = prefixBytes;
            this.limit = limit;
        }

        /** The size of the length prefix in bytes. */
        public int prefixBytes() {
            return prefixBytes;
        }

        /** The largest payload this prefix can describe. */
        public int limit() {
            return limit;
        }
    }

    /** The default maximum frame size of {@link #scribe()}: 16 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

    private static final Wire SCRIBE = new Wire(Framing.U32, DEFAULT_MAX_FRAME_BYTES, false);
    private static final Wire SYNCRO = new Wire(Framing.U16, Framing.U16.limit(), true);

    private final Framing framing;
    private final int maxFrameBytes;
    private final boolean syncro;

    private Wire(Framing framing, int maxFrameBytes, boolean syncro) {
        this.framing = framing;
        this.maxFrameBytes = maxFrameBytes;
        this.syncro = syncro;
    }

    /** Scribe's own wire: {@code u32} frames of at most 16 MiB, errors answered, paged catch-up. */
    public static Wire scribe() {
        return SCRIBE;
    }

    /** Syncro-compatible wire: {@code u16} frames and only the messages a Ruby Syncro peer can handle. */
    public static Wire syncro() {
        return SYNCRO;
    }

    /**
     * Returns a copy with another framing; the maximum frame size is capped to what the prefix can describe.
     */
    public Wire withFraming(Framing newFraming) {
        return new Wire(newFraming, Math.min(maxFrameBytes, newFraming.limit()), syncro);
    }

    /**
     * Returns a copy with another maximum payload size in bytes.
     *
     * @throws IllegalArgumentException if {@code max} is not positive or exceeds what the framing can describe
     */
    public Wire withMaxFrameBytes(int max) {
        if (max <= 0 || max > framing.limit()) {
            throw new IllegalArgumentException(
                    "max frame bytes must be in 1.." + framing.limit() + " for " + framing + ": " + max);
        }
        return new Wire(framing, max, syncro);
    }

    /**
     * Returns {@code payload} as one frame of this wire: the big-endian length prefix of its framing, then the bytes.
     *
     * @throws IllegalArgumentException if the payload is longer than what the framing can describe
     */
    public byte[] frame(byte[] payload) {
        if (payload.length > framing.limit()) {
            throw new IllegalArgumentException(
                    "payload of " + payload.length + " bytes does not fit a " + framing + " frame");
        }
        return io.scribe.core.internal.FrameDecoder.encode(framing.prefixBytes(), payload);
    }

    public Framing framing() {
        return framing;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Whether the peer is a Ruby Syncro peer (see the class comment). */
    public boolean isSyncro() {
        return syncro;
    }

    @Override
    public String toString() {
        return (syncro ? "syncro/" : "scribe/") + framing.name().toLowerCase(java.util.Locale.ROOT) + "/max="
                + maxFrameBytes;
    }
}
