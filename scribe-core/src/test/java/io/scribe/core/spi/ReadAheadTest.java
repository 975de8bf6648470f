package io.scribe.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.scribe.core.ScribeException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReadAheadTest {

    private static final Duration LIMIT = Duration.ofSeconds(20);

    /** {@code pages} pages of {@code per} states each, ids p0-0, p0-1, ... in order. */
    private static ReadAhead.Pages pages(int pages, int per, Runnable beforeEach) {
        int[] next = {0};
        return sink -> {
            beforeEach.run();
            int p = next[0]++;
            for (int i = 0; i < per; i++) {
                String id = "p" + p + "-" + i;
                sink.accept(new ObjectState("Task", id, JsonNodeFactory.instance.objectNode().put("id", id), Map.of(),
                        null));
            }
            return next[0] < pages;
        };
    }

    private static Thread thread(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).findFirst()
                .orElse(null);
    }

    /** Waits until the thread {@code name} waits (to hand a page over) or has ended. */
    private static Thread waitUntilWaitingOrEnded(String name) throws InterruptedException {
        while (true) {
            Thread t = thread(name);
            if (t == null || t.getState() == Thread.State.TIMED_WAITING || t.getState() == Thread.State.WAITING) {
                Thread.sleep(100);   // and stays so
                Thread again = thread(name);
                if (again == null || again.getState() != Thread.State.RUNNABLE) {
                    return again;
                }
            }
            Thread.sleep(5);
        }
    }

    @Test
    void everyStateIsHandedOverInOrderOnTheCallingThread() {
        List<String> seen = new ArrayList<>();
        Thread caller = Thread.currentThread();
        ReadAhead.of(pages(7, 3, () -> {}), "read-all").handTo(s -> {
            assertThat(Thread.currentThread()).isSameAs(caller);
            seen.add(s.id());
        });
        assertThat(seen).hasSize(21).startsWith("p0-0", "p0-1", "p0-2", "p1-0").endsWith("p6-2");
        assertThat(thread("read-all")).isNull();
    }

    @Test
    void aStopWhileTheLastPagesWaitIsThrownNotAnEndWithoutThem() {
        // Three pages: while the action runs on the first, the reader queues the other two and has nothing left but
        // the end. A stop then (the store closes) drops what waits: the read must not end as if it were whole.
        ReadAhead ahead = ReadAhead.of(pages(3, 2, () -> {}), "read-stopped");
        List<String> seen = new ArrayList<>();
        assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> ahead.handTo(s -> {
            seen.add(s.id());
            if (seen.size() == 1) {
                try {
                    waitUntilWaitingOrEnded("read-stopped");
                    Thread closer = new Thread(ahead::stop, "closer");
                    closer.start();
                    closer.join();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed"));
        assertThat(seen).containsExactly("p0-0", "p0-1");
        assertThat(thread("read-stopped")).isNull();
    }

    @Test
    void aCheckedExceptionFromReadingIsThrownToTheCaller() {
        int[] read = {0};
        ReadAhead ahead = ReadAhead.of(pages(5, 2, () -> {
            if (read[0]++ == 2) {
                throw ReadAheadTest.<RuntimeException>sneaky(new IOException("disk gone"));
            }
        }), "read-failing");
        List<String> seen = new ArrayList<>();
        assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> ahead.handTo(s -> seen.add(s.id())))
                .hasRootCauseInstanceOf(IOException.class).hasMessageContaining("disk gone"));
        assertThat(seen).containsExactly("p0-0", "p0-1", "p1-0", "p1-1");
        assertThat(thread("read-failing")).isNull();
    }

    @Test
    void anInterruptedReaderFailsTheReadInsteadOfDroppingPages() {
        ReadAhead ahead = ReadAhead.of(pages(6, 2, () -> {}), "read-interrupted");
        List<String> seen = new ArrayList<>();
        assertTimeoutPreemptively(LIMIT, () -> assertThatThrownBy(() -> ahead.handTo(s -> {
            seen.add(s.id());
            if (seen.size() == 1) {
                try {
                    // Pages 1 and 2 wait, the reader waits to queue page 3: interrupted there (or, when the caller's
                    // take of page 1 wakes it first, at the next page).
                    waitUntilWaitingOrEnded("read-interrupted").interrupt();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
        })).isInstanceOf(ScribeException.class).hasMessageContaining("interrupted"));
        // Every page before the one the interrupt stopped, none dropped on the way.
        assertThat(seen.size()).isBetween(6, 10);
        assertThat(seen).isEqualTo(List.of("p0-0", "p0-1", "p1-0", "p1-1", "p2-0", "p2-1", "p3-0", "p3-1", "p4-0", "p4-1")
                .subList(0, seen.size()));
        assertThat(thread("read-interrupted")).isNull();
    }

    @SuppressWarnings("unchecked")
    private static <T extends Throwable> T sneaky(Throwable t) throws T {
        throw (T) t;
    }
}
