package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The unanswered pushes of a cumulatively acknowledging peer, kept in a ring: the same answers as a plain queue. */
class UnansweredPushesTest {

    @Test
    void acksPassPushesInOrderAcrossTheRingsWrapAndGrowth() {
        UnansweredPushes pushes = new UnansweredPushes();
        long next = 1;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 5 + round * 7; i++) {
                pushes.add(next, next * 10);
                next++;
            }
            long upTo = next - 3;
            int before = pushes.size();
            UnansweredPushes.Taken taken = pushes.upTo(upTo);
            assertThat(taken.count()).isEqualTo(before - 2);
            assertThat(taken.last()).isEqualTo(upTo);
            assertThat(pushes.size()).isEqualTo(2);
        }
        assertThat(pushes.upTo(0)).isEqualTo(UnansweredPushes.Taken.NONE);
        UnansweredPushes.Taken rest = pushes.expired(Long.MAX_VALUE / 2);
        assertThat(rest).isEqualTo(new UnansweredPushes.Taken(2, next - 2, next - 1));
        assertThat(pushes.size()).isZero();
    }

    @Test
    void randomOperationsAnswerAsAQueueDoes() {
        Random random = new Random(42);
        UnansweredPushes pushes = new UnansweredPushes();
        ArrayDeque<long[]> model = new ArrayDeque<>();
        long next = 1;
        for (int step = 0; step < 20_000; step++) {
            int op = random.nextInt(10);
            if (op < 5) {
                long position = next;
                next += 1 + random.nextInt(3);
                long deadline = position * 100 + random.nextInt(50);
                pushes.add(position, deadline);
                model.addLast(new long[] {position, deadline});
            } else if (op == 5 && !model.isEmpty()) {
                long upTo = model.peekFirst()[0] + random.nextInt(8);
                assertThat(pushes.upTo(upTo)).isEqualTo(take(model, upTo, Long.MAX_VALUE, false));
            } else if (op == 6) {
                long now = (next - random.nextInt(20)) * 100;
                assertThat(pushes.expired(now)).isEqualTo(take(model, Long.MAX_VALUE, now, true));
            } else if (op == 7) {
                long position = next - 1 - random.nextInt(10);
                assertThat(pushes.remove(position)).isEqualTo(model.removeIf(p -> p[0] == position));
            } else if (op == 8 && !model.isEmpty()) {
                long position = model.peekLast()[0];
                assertThat(pushes.takeBack(position)).isTrue();
                model.removeLast();
            } else if (op == 9 && random.nextInt(50) == 0) {
                pushes.clear();
                model.clear();
            }
            assertThat(pushes.size()).isEqualTo(model.size());
        }
    }

    private static UnansweredPushes.Taken take(ArrayDeque<long[]> model, long upTo, long now, boolean byDeadline) {
        int n = 0;
        long first = -1;
        long last = -1;
        while (!model.isEmpty() && (byDeadline ? now - model.peekFirst()[1] >= 0 : model.peekFirst()[0] <= upTo)) {
            long[] p = model.pollFirst();
            if (n++ == 0) {
                first = p[0];
            }
            last = p[0];
        }
        return n == 0 ? UnansweredPushes.Taken.NONE : new UnansweredPushes.Taken(n, first, last);
    }
}
