package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of the frame decoder, u16 and u32: a byte stream cut into reads of any sizes gives the
 * same frames and the same too-large reports as a straightforward reading of the whole stream at once, and the
 * decoder never holds more than one maximum-size frame.
 */
class FrameDecoderFuzzTest {

    @FuzzTest(maxDuration = "2s")
    void anyStreamCutAnyWayDecodesLikeTheWholeStream(FuzzedDataProvider data) {
        int prefix = data.consumeBoolean() ? 2 : 4;
        int max = data.consumeInt(0, 300);
        int[] cuts = new int[data.consumeInt(1, 6)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = data.consumeInt(0, 80);
        }
        int slack = data.consumeInt(0, 3);
        byte[] stream = data.consumeRemainingAsBytes();

        List<String> events = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder(prefix, max);
        FrameDecoder.Sink sink = new FrameDecoder.Sink() {
            @Override
            public void frame(byte[] buf, int offset, int length) {
                events.add("frame " + Arrays.toString(Arrays.copyOfRange(buf, offset, offset + length)));
            }

            @Override
            public void tooLarge(long length) {
                events.add("too large " + length);
            }
        };
        boolean emptyReadsOnly = Arrays.stream(cuts).allMatch(c -> c == 0);
        int at = 0;
        for (int i = 0; at < stream.length; i++) {
            int n = emptyReadsOnly && i > 0 ? stream.length - at : Math.min(stream.length - at, cuts[i % cuts.length]);
            // The read sits inside a larger buffer, as it does in a transport's reusable read buffer.
            byte[] read = new byte[slack + n + slack];
            Arrays.fill(read, (byte) 0x5A);
            System.arraycopy(stream, at, read, slack, n);
            decoder.feed(read, slack, n, sink);
            at += n;
            assertThat(decoder.buffered()).as("bytes held back").isLessThanOrEqualTo(prefix + max);
        }
        assertThat(events).isEqualTo(reference(prefix, max, stream));
    }

    /** Reads the whole stream in one go: frames in order, an oversized one reported and its bytes skipped. */
    private static List<String> reference(int prefix, int max, byte[] s) {
        List<String> events = new ArrayList<>();
        int pos = 0;
        while (s.length - pos >= prefix) {
            long len = 0;
            for (int i = 0; i < prefix; i++) {
                len = (len << 8) | (s[pos + i] & 0xFF);
            }
            if (len > max) {
                events.add("too large " + len);
                pos += prefix;
                if (s.length - pos < len) {
                    break;
                }
                pos += (int) len;
                continue;
            }
            if (s.length - pos - prefix < len) {
                break;
            }
            events.add("frame " + Arrays.toString(Arrays.copyOfRange(s, pos + prefix, pos + prefix + (int) len)));
            pos += prefix + (int) len;
        }
        return events;
    }
}
