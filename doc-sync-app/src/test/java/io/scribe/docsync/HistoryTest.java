package io.scribe.docsync;

import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.docsync.client.DocClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** history, show, revert, undo, conflicts and restore through the task manager, against a real server. */
class HistoryTest extends ServerTest {

    @Test
    void historyShowRevertAndUndoWalkTheVersionsAndSync() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = h.client("b", "ann@example.com");
        a.awaitConnected(Duration.ofSeconds(10));
        run(a, "add task priority=1\nwait\n");
        String id = a.list().get(0).id();
        String p = id.substring(0, 8);
        run(a, "edit " + p + " priority=2\nwait\nedit " + p + " title=second\nwait\n");
        await("three versions on the server", () -> h.server.db().events(id).size() == 3);

        String history = run(a, "history " + p + "\n");
        assertThat(history.lines().toList()).hasSize(3);
        assertThat(history).contains("v1 create " + p + " by ann@example.com: created \"task\"")
                .contains("v2 update").contains("replace content/priority=2")
                .contains("v3 update").contains("replace title=\"second\"");
        String shown = run(a, "show " + p + " @1\n");
        JsonNode v1 = Harness.JSON.readTree(shown);
        assertThat(v1.path("title").asText()).isEqualTo("task");
        assertThat(v1.path("content").path("priority").asInt()).isEqualTo(1);

        assertThat(run(a, "revert " + p + " 1\nwait\n")).contains("reverted " + p + " to version 1").contains("synced");
        await("B has version 1's values", () -> "task".equals(b.get(id).get().title())
                && b.get(id).get().content().path("priority").asInt() == 1);
        await("logged as version 4", () -> h.server.db().events(id).size() == 4);

        assertThat(run(a, "undo\nwait\n")).contains("undone: back to version 3").contains("synced");
        await("B has version 3's values again", () -> "second".equals(b.get(id).get().title())
                && b.get(id).get().content().path("priority").asInt() == 2);

        // Someone else's later change: undo refuses and says what to do.
        run(b, "done " + p + "\nwait\n");
        await("A has B's change", () -> a.get(id).get().content().path("done").asBoolean());
        await("acknowledged", () -> h.server.db().events(id).size() == 6);
        assertThat(run(a, "undo " + p + "\n")).contains("!! ann@example.com changed it after your last change")
                .contains("revert ID VERSION");
        assertThat(run(a, "show " + p + " @99\nrevert " + p + " x\n")).contains("!! no version 99")
                .contains("!! a version is a number");
    }

    long lostRows() {
        try {
            return h.rows("SELECT count(*) FROM docsync_events WHERE lost");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aLostChangeIsInTheConflictsInboxAndRestoreAppliesItAgain() throws Exception {
        harness();
        DocClient a = h.client("a", "ann@example.com");
        DocClient b = h.client("b", "ann@example.com");
        a.awaitConnected(Duration.ofSeconds(10));
        b.awaitConnected(Duration.ofSeconds(10));
        String id = a.create("doc", Harness.JSON.createObjectNode().put("k", "start"));
        await("B has it", () -> b.get(id).isPresent() && a.pendingCount() == 0);
        h.server.close();
        await("both offline", () -> !a.isConnected() && !b.isConnected());
        a.update(id, null, c -> c.put("k", "from a"));
        b.update(id, null, c -> c.put("k", "from b"));
        h.startServer();
        await("conflict logged", () -> lostRows() == 1);
        await("converged", () -> a.isSynced() && b.isSynced() && a.pendingCount() == 0 && b.pendingCount() == 0
                && a.get(id).get().content().equals(b.get(id).get().content()));
        String kept = a.get(id).get().content().path("k").asText();
        String lostValue = kept.equals("from a") ? "from b" : "from a";

        String inbox = run(a, "conflicts\n");
        assertThat(inbox).contains("1 lost changes").contains(id.substring(0, 8)).contains(lostValue);
        List<JsonNode> lost = a.conflicts();
        assertThat(lost).hasSize(1);
        long seq = lost.get(0).path("seq").asLong();
        assertThat(run(a, "restore #" + seq + "\nwait\n")).contains("restored #" + seq).contains("synced");
        await("the lost value is everywhere", () -> lostValue.equals(b.get(id).get().content().path("k").asText())
                && h.server.scriber().find(Document.class, id).get().content().path("k").asText().equals(lostValue));
        assertThat(run(a, "restore #999999\n")).contains("!! no lost change 999999");
    }
}
