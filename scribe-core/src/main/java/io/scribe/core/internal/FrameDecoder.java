package io.scribe.core.internal;

import java.util.Arrays;

/**
 * Cuts a byte stream into length-prefixed frames, whatever the size of the reads that deliver it: a frame split over
 * many reads and many frames in one read both come out whole, in order.
 *
 * <p>A frame whose declared length exceeds the maximum is reported and then skipped as its bytes arrive (the way
 * Netty's {@code LengthFieldBasedFrameDecoder} discards), so the stream stays in step and the frames after it are
 * read normally; memory never grows beyond one maximum-size frame. Not thread-safe: one decoder per session.
 */
public final class FrameDecoder {

    /** Receives the decoder's output. */
    public interface Sink {
        /** One complete frame payload: {@code buf[offset, offset+length)}; valid only during the call. */
        void frame(byte[] buf, int offset, int length);

        /** A frame of {@code length} bytes was announced and will be skipped. */
        void tooLarge(long length);
    }

    private final int prefixBytes;
    private final int maxFrameBytes;
    private static final byte[] NONE = new byte[0];

    // Allocated when a frame first arrives cut (most sessions, and every one on a message transport, never need it).
    private byte[] buf = NONE;
    private int size;
    private long discarding;

    public FrameDecoder(int prefixBytes, int maxFrameBytes) {
        if (prefixBytes != 2 && prefixBytes != 4) {
            throw new IllegalArgumentException("prefix must be 2 or 4 bytes: " + prefixBytes);
        }
        this.prefixBytes = prefixBytes;
        this.maxFrameBytes = maxFrameBytes;
    }

    /** Feeds {@code data[offset, offset+length)} and emits every frame it completes. */
    public void feed(byte[] data, int offset, int length, Sink sink) {
        int pos = offset;
        int end = offset + length;
        if (discarding > 0) {
            int skip = (int) Math.min(discarding, end - pos);
            discarding -= skip;
            pos += skip;
        }
        if (size == 0) {
            // Fast path: parse frames straight out of the caller's array while they are whole.
            while (discarding == 0 && end - pos >= prefixBytes) {
                long len = length(data, pos);
                if (len > maxFrameBytes) {
                    pos += prefixBytes;
                    sink.tooLarge(len);
                    int skip = (int) Math.min(len, end - pos);
                    discarding = len - skip;
                    pos += skip;
                    continue;
                }
                if (end - pos - prefixBytes < len) {
                    break;
                }
                sink.frame(data, pos + prefixBytes, (int) len);
                pos += prefixBytes + (int) len;
            }
            if (discarding == 0 && pos < end) {
                append(data, pos, end - pos);
            }
            return;
        }
        append(data, pos, end - pos);
        drain(sink);
    }

    private void drain(Sink sink) {
        int pos = 0;
        while (size - pos >= prefixBytes) {
            long len = length(buf, pos);
            if (len > maxFrameBytes) {
                pos += prefixBytes;
                sink.tooLarge(len);
                int skip = (int) Math.min(len, size - pos);
                discarding = len - skip;
                pos += skip;
                if (discarding > 0) {
                    break;
                }
                continue;
            }
            if (size - pos - prefixBytes < len) {
                break;
            }
            sink.frame(buf, pos + prefixBytes, (int) len);
            pos += prefixBytes + (int) len;
        }
        System.arraycopy(buf, pos, buf, 0, size - pos);
        size -= pos;
        if (discarding > 0) {
            size = 0;
        }
    }

    private void append(byte[] data, int offset, int length) {
        if (length == 0) {
            return;
        }
        if (size + length > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(size + length, Math.max(512, buf.length * 2)));
        }
        System.arraycopy(data, offset, buf, size, length);
        size += length;
    }

    private long length(byte[] b, int pos) {
        if (prefixBytes == 2) {
            return ((b[pos] & 0xFFL) << 8) | (b[pos + 1] & 0xFFL);
        }
        return ((b[pos] & 0xFFL) << 24) | ((b[pos + 1] & 0xFFL) << 16) | ((b[pos + 2] & 0xFFL) << 8)
                | (b[pos + 3] & 0xFFL);
    }

    /** Bytes of an incomplete frame held back, waiting for the rest. */
    public int buffered() {
        return size;
    }

    /** Forgets any incomplete frame. */
    public void reset() {
        size = 0;
        discarding = 0;
        if (buf.length > 4096) {
            buf = NONE;
        }
    }

    /** Returns {@code payload} behind a big-endian prefix of {@code prefixBytes} bytes. */
    public static byte[] encode(int prefixBytes, byte[] payload) {
        byte[] frame = new byte[prefixBytes + payload.length];
        int n = payload.length;
        if (prefixBytes == 2) {
            frame[0] = (byte) (n >>> 8);
            frame[1] = (byte) n;
        } else {
            frame[0] = (byte) (n >>> 24);
            frame[1] = (byte) (n >>> 16);
            frame[2] = (byte) (n >>> 8);
            frame[3] = (byte) n;
        }
        System.arraycopy(payload, 0, frame, prefixBytes, n);
        return frame;
    }
}
