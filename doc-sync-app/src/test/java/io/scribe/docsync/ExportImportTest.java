package io.scribe.docsync;

import static io.scribe.docsync.Harness.JSON;
import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.docsync.client.DocClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code export FILE} and {@code import FILE} in the task manager: a user's documents as JSON, and back. */
class ExportImportTest extends ServerTest {

    @Test
    void documentsExportedByOneUserAreImportedByAnotherAsTheirOwn() throws Exception {
        harness();
        DocClient ann = h.client("ann", "ann@example.com");
        ann.awaitConnected(Duration.ofSeconds(10));
        run(ann, "add buy milk priority=2 tags=shop\nadd call back\nwait\n");
        Path file = dir.resolve("ann.json");

        assertThat(run(ann, "export " + file + "\n")).contains("exported 2 documents to " + file);
        JsonNode export = JSON.readTree(file.toFile());
        assertThat(export.path("format").asText()).isEqualTo("doc-sync-export");
        assertThat(export.path("documents").findValuesAsText("title")).containsExactlyInAnyOrder("buy milk",
                "call back");

        String[] bobKey = h.server.createCredential("bob");
        DocClient bob = h.client("bob", "bob@example.com", bobKey[0], bobKey[1]);
        bob.awaitConnected(Duration.ofSeconds(10));
        assertThat(run(bob, "import " + file + "\nwait\n")).contains("imported 2 documents").contains("synced");
        List<Document> bobs = bob.list();
        assertThat(bobs).extracting(Document::title).containsExactlyInAnyOrder("buy milk", "call back");
        assertThat(bobs).allSatisfy(d -> assertThat(d.owner()).isEqualTo("bob@example.com"));
        assertThat(bobs).filteredOn(d -> d.title().equals("buy milk")).singleElement()
                .satisfies(d -> assertThat(d.content().path("priority").asInt()).isEqualTo(2));
        await("the server has bob's copies", () -> h.server.scriber().all(Document.class).size() == 4);
        assertThat(ann.list()).hasSize(2);

        Files.writeString(dir.resolve("bad.json"), "{\"format\":\"something else\"}");
        assertThat(run(bob, "import " + dir.resolve("bad.json") + "\nimport " + dir.resolve("missing.json") + "\n"))
                .contains("!! " + dir.resolve("bad.json") + " is not a doc-sync export")
                .contains("!! cannot read " + dir.resolve("missing.json"));
        assertThat(bob.list()).hasSize(2);
    }
}
