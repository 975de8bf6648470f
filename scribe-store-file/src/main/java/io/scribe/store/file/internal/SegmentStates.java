package io.scribe.store.file.internal;

import java.util.Arrays;
import net.openhft.chronicle.hash.Data;

/**
 * The stored states of one Chronicle Map segment, copied out of the map one after the other into one buffer that is
 * reused for the next segment, instead of an array per state: what the file store hands over once the segment's lock
 * is released. Not thread-safe; one per iteration.
 */
public final class SegmentStates {

    private byte[] bytes = new byte[1 << 16];
    private int[] ends = new int[256];
    private int count;

    /** Copies the bytes of {@code value} in after the ones copied so far. */
    public void add(Data<byte[]> value) {
        int size = Math.toIntExact(value.size());
        int start = count == 0 ? 0 : ends[count - 1];
        if (start + size > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, start + size));
        }
        if (count == ends.length) {
            ends = Arrays.copyOf(ends, count * 2);
        }
        value.bytes().read(value.offset(), bytes, start, size);
        ends[count++] = start + size;
    }

    /** How many states are held. */
    public int count() {
        return count;
    }

    /** The buffer the states are in, valid until the next {@link #add} or {@link #clear}. */
    public byte[] bytes() {
        return bytes;
    }

    /** Where each state ends in {@link #bytes} (each starts where the one before it ends, the first at 0). */
    public int[] ends() {
        return ends;
    }

    /** Forgets the states held, keeping the buffer. */
    public void clear() {
        count = 0;
    }
}
