package io.scribe.transport.netty.internal;

import io.netty.buffer.ByteBuf;

/**
 * Follows the frame boundaries of a length-prefixed stream without buffering it, so that the transport can act on
 * bad input before the session has to: a declared length over the maximum, or a frame that started and does not
 * end. Not thread-safe: one per channel, used on its event loop.
 */
final class FrameGuard {

    private final int prefixBytes;
    private final long maxFrameBytes;
    private int headerSeen;
    private long header;
    private long remaining;
    private long completed;
    private boolean oversized;

    FrameGuard(int prefixBytes, long maxFrameBytes) {
        this.prefixBytes = prefixBytes;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Walks the readable bytes of {@code buf} (leaving its indexes alone).
     *
     * @return false once a frame declared a length over the maximum: the stream cannot be trusted after it
     */
    boolean inspect(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end && !oversized) {
            if (remaining > 0) {
                int skip = (int) Math.min(remaining, end - i);
                remaining -= skip;
                i += skip;
                if (remaining == 0) {
                    completed++;
                }
                continue;
            }
            header = (header << 8) | (buf.getByte(i++) & 0xFF);
            if (++headerSeen == prefixBytes) {
                remaining = header;
                headerSeen = 0;
                header = 0;
                if (remaining > maxFrameBytes) {
                    oversized = true;
                } else if (remaining == 0) {
                    completed++;
                }
            }
        }
        return !oversized;
    }

    /** Whether the bytes seen so far end inside a frame. */
    boolean inFrame() {
        return headerSeen > 0 || remaining > 0;
    }

    /** The number of frames completed so far. */
    long completed() {
        return completed;
    }
}
