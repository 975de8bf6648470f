package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameDecoderTest {

    private static final class Collect implements FrameDecoder.Sink {
        final List<String> frames = new ArrayList<>();
        final List<Long> tooLarge = new ArrayList<>();

        @Override
        public void frame(byte[] buf, int offset, int length) {
            frames.add(new String(buf, offset, length, StandardCharsets.UTF_8));
        }

        @Override
        public void tooLarge(long length) {
            tooLarge.add(length);
        }
    }

    @ParameterizedTest(name = "prefix {0}")
    @ValueSource(ints = {2, 4})
    void aLongStreamFedInRandomChunksComesOutWholeAndInOrder(int prefix) {
        for (long seed = 0; seed < 20; seed++) {
            Random random = new Random(seed);
            List<String> sent = new ArrayList<>();
            ByteArrayOutputStream stream = new ByteArrayOutputStream();
            for (int i = 0; i < 2000; i++) {
                String payload = "{\"n\":" + i + ",\"s\":\"" + "é☃".repeat(random.nextInt(40)) + "\"}";
                if (random.nextInt(50) == 0) {
                    payload = "";
                }
                sent.add(payload);
                stream.writeBytes(FrameDecoder.encode(prefix, payload.getBytes(StandardCharsets.UTF_8)));
            }
            byte[] all = stream.toByteArray();
            FrameDecoder decoder = new FrameDecoder(prefix, 4096);
            Collect out = new Collect();
            int pos = 0;
            while (pos < all.length) {
                // Single bytes, small reads, and reads that hold many frames.
                int n = Math.min(all.length - pos, switch (random.nextInt(3)) {
                    case 0 -> 1;
                    case 1 -> 1 + random.nextInt(16);
                    default -> 1 + random.nextInt(3000);
                });
                decoder.feed(all, pos, n, out);
                pos += n;
            }
            assertThat(out.frames).as("seed " + seed).isEqualTo(sent);
            assertThat(out.tooLarge).isEmpty();
            assertThat(decoder.buffered()).isZero();
        }
    }

    @ParameterizedTest(name = "prefix {0}")
    @ValueSource(ints = {2, 4})
    void oversizedFramesAreReportedAndSkippedWhateverTheChunking(int prefix) {
        Random random = new Random(7);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            if (i % 10 == 3) {
                stream.writeBytes(FrameDecoder.encode(prefix, new byte[200 + random.nextInt(3000)]));
            } else {
                String p = "frame-" + i;
                expected.add(p);
                stream.writeBytes(FrameDecoder.encode(prefix, p.getBytes(StandardCharsets.UTF_8)));
            }
        }
        byte[] all = stream.toByteArray();
        FrameDecoder decoder = new FrameDecoder(prefix, 100);
        Collect out = new Collect();
        for (int pos = 0; pos < all.length; ) {
            int n = Math.min(all.length - pos, 1 + random.nextInt(500));
            decoder.feed(all, pos, n, out);
            pos += n;
        }
        assertThat(out.frames).isEqualTo(expected);
        assertThat(out.tooLarge).hasSize(30).allSatisfy(len -> assertThat(len).isGreaterThan(100));
    }

    @ParameterizedTest(name = "prefix {0}")
    @ValueSource(ints = {2, 4})
    void anIncompleteFrameIsHeldBackUntilItsLastByte(int prefix) {
        byte[] frame = FrameDecoder.encode(prefix, "{\"type\":\"noop\"}".getBytes(StandardCharsets.UTF_8));
        FrameDecoder decoder = new FrameDecoder(prefix, 1000);
        Collect out = new Collect();
        decoder.feed(frame, 0, frame.length - 1, out);
        assertThat(out.frames).isEmpty();
        assertThat(decoder.buffered()).isEqualTo(frame.length - 1);
        decoder.feed(frame, frame.length - 1, 1, out);
        assertThat(out.frames).containsExactly("{\"type\":\"noop\"}");
        assertThat(decoder.buffered()).isZero();
    }

    @ParameterizedTest(name = "prefix {0}")
    @ValueSource(ints = {2, 4})
    void thePrefixCountsBytesNotCharacters(int prefix) {
        byte[] payload = "{\"name\":\"café ☃ \uD834\uDD1E\"}".getBytes(StandardCharsets.UTF_8);
        byte[] frame = FrameDecoder.encode(prefix, payload);
        long declared = prefix == 2 ? ((frame[0] & 0xFF) << 8) | (frame[1] & 0xFF)
                : ((frame[0] & 0xFF) << 24) | ((frame[1] & 0xFF) << 16) | ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF);
        assertThat(declared).isEqualTo(payload.length).isGreaterThan("{\"name\":\"café ☃ \uD834\uDD1E\"}".length());
    }
}
