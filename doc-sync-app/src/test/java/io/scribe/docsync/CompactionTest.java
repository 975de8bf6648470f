package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.server.DocServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server compacts its sync log (here every 200 ms, for clients seen within 2 s): the log stays short while every
 * document's versions and events stay, a device that stays away longer than the retention gets a snapshot when it
 * comes back (without the document deleted meanwhile, with every edit, and its own offline edit uploaded), and a new
 * device gets every document.
 */
class CompactionTest extends ServerTest {

    @Test
    void aDeviceBackAfterTheRetentionAndANewDeviceEndWithTheServersDocuments() throws Exception {
        h = new Harness(dir);
        h.startServer(DocServer.Config.of(h.databaseUrl(), dir.resolve("server"), 0)
                .withCompaction(Duration.ofMillis(200), Duration.ofSeconds(2)));
        DocClient ann = h.client("ann", "ann@example.com");
        DocClient laptop = h.client("laptop", "ann@example.com");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(ann.create("doc " + i, JSON.createObjectNode().put("n", i)));
        }
        await("the laptop has them", () -> laptop.list().size() == 5 && laptop.pendingCount() == 0);
        String doomed = ids.get(4);
        laptop.close();
        // Offline on the laptop: an edit that must reach the server when it is back.
        DocClient offline = DocClient.start(new DocClient.Options(java.net.URI.create("ws://127.0.0.1:1/scribe"),
                "ann@example.com", h.credential[0], h.credential[1], dir.resolve("laptop"),
                new io.scribe.transport.netty.Backoff(Duration.ofMillis(50), Duration.ofMillis(300), 0.5,
                        Integer.MAX_VALUE)));
        offline.update(ids.get(1), "edited offline on the laptop", null);
        offline.close();

        ann.delete(doomed);
        for (int round = 0; round < 5; round++) {
            ann.update(ids.get(0), null, c -> c.put("round", c.path("round").asInt() + 1));
        }
        await("ann is synced", () -> ann.pendingCount() == 0);
        long events = h.rows("SELECT count(*) FROM docsync_events");
        // Past the retention, and a few compactions later, the log holds nothing every client has.
        Thread.sleep(2_500);
        await("the log is compacted", () -> {
            try {
                return h.rows("SELECT count(*) FROM log") <= 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(h.rows("SELECT count(*) FROM docsync_events")).as("events are kept").isEqualTo(events);
        assertThat(ann.history(ids.get(0))).as("versions are kept").hasSizeGreaterThanOrEqualTo(6);

        DocClient back = h.client("laptop", "ann@example.com");
        await("the laptop is back in step", () -> back.isSynced() && back.list().size() == 4
                && back.get(doomed).isEmpty() && back.get(ids.get(0)).get().content().path("round").asInt() == 5);
        await("its offline edit reached the server", () -> ann.get(ids.get(1))
                .map(d -> d.title().equals("edited offline on the laptop")).orElse(false));

        DocClient phone = h.client("phone", "ann@example.com");
        await("a new device has every document", () -> phone.isSynced() && phone.list().size() == 4
                && phone.get(ids.get(1)).map(d -> d.title().equals("edited offline on the laptop")).orElse(false)
                && phone.get(ids.get(0)).get().content().path("round").asInt() == 5);
        assertThat(phone.get(doomed)).isEmpty();
    }
}
