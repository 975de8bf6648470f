package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AckMessageTest {

    private static long bytes(String s) {
        byte[] b = ("xx" + s + "yy").getBytes(StandardCharsets.UTF_8);
        return AckMessage.position(b, 2, b.length - 4);
    }

    @Test
    void theExactFormIsReadWithoutParsingAndEveryOtherFormIsLeftToTheParser() {
        for (String ok : new String[] {"{\"type\":\"ack\",\"up_to\":\"1\"}", "{\"type\":\"ack\",\"up_to\":\"007\"}",
                "{\"type\":\"ack\",\"up_to\":\"999999999999999999\"}"}) {
            long expected = Long.parseLong(Json.parse(ok).path("up_to").asText());
            assertThat(AckMessage.position(ok)).as(ok).isEqualTo(expected);
            assertThat(bytes(ok)).as(ok).isEqualTo(expected);
        }
        for (String other : new String[] {"{\"type\":\"ack\",\"up_to\":\"\"}", "{\"type\":\"ack\",\"up_to\":\"x\"}",
                "{\"type\":\"ack\",\"up_to\":\"-1\"}", "{\"type\":\"ack\",\"up_to\":\"1e3\"}",
                "{\"type\":\"ack\",\"up_to\":\"9999999999999999999\"}", "{\"type\":\"ack\",\"up_to\":12}",
                "{\"type\": \"ack\",\"up_to\":\"12\"}", "{\"up_to\":\"12\",\"type\":\"ack\"}",
                "{\"type\":\"ack\",\"up_to\":\"12\",\"id\":1}", "{\"type\":\"ack\",\"up_to\":\"12\"} ",
                "{\"type\":\"acks\",\"up_to\":\"12\"}", "{\"type\":\"ack\",\"up_to\":\"1\u0662\"}", "", "{}"}) {
            assertThat(AckMessage.position(other)).as(other).isEqualTo(-1);
            assertThat(bytes(other)).as(other).isEqualTo(-1);
        }
    }

    @Test
    void whereverItRecognisesAMessageItReadsWhatTheParserReads() {
        Random random = new Random(11);
        String alphabet = "0123456789\"}{ ,:a-x\u00e9";
        String base = "{\"type\":\"ack\",\"up_to\":\"";
        for (int n = 0; n < 20_000; n++) {
            StringBuilder b = new StringBuilder(base);
            int tail = random.nextInt(24);
            for (int i = 0; i < tail; i++) {
                b.append(random.nextInt(3) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
                        : (char) ('0' + random.nextInt(10)));
            }
            if (random.nextBoolean()) {
                b.append("\"}");
            }
            String text = b.toString();
            long fast = AckMessage.position(text);
            assertThat(bytes(text)).as(text).isEqualTo(fast);
            if (fast >= 0) {
                assertThat(Long.parseLong(Json.parse(text).path("up_to").asText())).as(text).isEqualTo(fast);
            }
        }
    }
}
