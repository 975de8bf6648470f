package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.client.DocEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A long upload and a long catch-up tell their progress while they run. */
class ProgressTest extends ServerTest {

    private static final int DOCUMENTS = 1500;

    @AfterEach
    void clearInterval() {
        System.clearProperty("doc-sync.progress-ms");
        System.clearProperty("doc-sync.watch-ms");
    }

    @Test
    void aLongUploadAndALongCatchUpReportTheirProgress() throws Exception {
        // Every watcher tick (5 ms here) of a running upload or catch-up reports, so even a fast machine sees several.
        System.setProperty("doc-sync.progress-ms", "0");
        System.setProperty("doc-sync.watch-ms", "5");
        harness();
        DocClient a = h.client("a", "ann@example.com");
        a.awaitConnected(Duration.ofSeconds(20));
        h.server.close();
        await("a is offline", () -> !a.isConnected());
        for (int i = 0; i < DOCUMENTS; i++) {
            a.create("note " + i, JSON.createObjectNode().put("n", i));
        }
        assertThat(a.pendingCount()).isEqualTo(DOCUMENTS);
        List<DocEvent> onA = new CopyOnWriteArrayList<>();
        a.onEvent(onA::add);
        h.startServer();
        awaitLong("a uploaded everything", () -> a.pendingCount() == 0);

        // a's own (empty) catch-up on reconnecting may report too; the upload comes after it.
        List<DocEvent> uploads = onA.stream().filter(e -> e.kind() == DocEvent.Kind.PROGRESS
                && e.detail().path("phase").asText().equals("upload")).toList();
        assertThat(uploads).isNotEmpty();
        long last = -1;
        for (DocEvent e : uploads) {
            long acknowledged = e.detail().path("acknowledged").asLong();
            int of = e.detail().path("of").asInt();
            assertThat(of).isBetween(1, DOCUMENTS);
            assertThat(acknowledged).isBetween(0L, (long) of).isGreaterThanOrEqualTo(last);
            last = acknowledged;
        }

        DocClient b = h.client("b", "ann@example.com");
        List<DocEvent> onB = new CopyOnWriteArrayList<>();
        b.onEvent(onB::add);
        awaitLong("b caught up", () -> onB.stream().anyMatch(e -> e.kind() == DocEvent.Kind.SYNC_COMPLETED));
        assertThat(b.list()).hasSize(DOCUMENTS);
        int completed = indexOf(onB, DocEvent.Kind.SYNC_COMPLETED);
        List<DocEvent> catchUp = onB.subList(0, completed).stream()
                .filter(e -> e.kind() == DocEvent.Kind.PROGRESS).toList();
        assertThat(catchUp).as("progress told before the catch-up completed").isNotEmpty()
                .allMatch(e -> e.detail().path("phase").asText().equals("catch-up"));
        assertThat(catchUp).anyMatch(e -> e.detail().path("received").asLong() > 0);
        assertThat(catchUp).allMatch(e -> e.detail().path("received").asLong() <= DOCUMENTS * 3L);

        // The task manager prints them as lines a user can read.
        String line = io.scribe.docsync.cli.DocSync.Tasks.describe(b, catchUp.get(catchUp.size() - 1));
        assertThat(line).startsWith("catching up: ").endsWith(" changes received so far");
    }

    private static int indexOf(List<DocEvent> events, DocEvent.Kind kind) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).kind() == kind) {
                return i;
            }
        }
        return -1;
    }

    private static void awaitLong(String what, java.util.function.BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("timed out waiting for: " + what).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
