package io.scribe.docsync.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.ScribeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PatchesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode mutate(JsonNode doc, Random random) {
        ObjectNode next = doc.deepCopy();
        ArrayNode items = (ArrayNode) next.get("items");
        switch (random.nextInt(5)) {
            case 0 -> items.add(JSON.createObjectNode().put("n", random.nextInt()).put("done", false));
            case 1 -> {
                if (!items.isEmpty()) {
                    items.remove(random.nextInt(items.size()));
                }
            }
            case 2 -> {
                if (!items.isEmpty()) {
                    ((ObjectNode) items.get(random.nextInt(items.size()))).put("done", true);
                }
            }
            case 3 -> next.put("title", "title " + random.nextInt(100));
            default -> next.with("meta").put("k" + random.nextInt(5), random.nextBoolean() ? "é☃" : null);
        }
        return next;
    }

    @Test
    void applyingEachReversePatchInTurnRestoresEveryEarlierVersion() {
        Random random = new Random(11);
        List<JsonNode> versions = new ArrayList<>();
        ObjectNode first = JSON.createObjectNode().put("title", "start");
        ArrayNode items = first.putArray("items");
        for (int i = 0; i < 1000; i++) {
            items.add(JSON.createObjectNode().put("n", i).put("done", i % 3 == 0));
        }
        versions.add(first);
        List<Patches.Pair> changes = new ArrayList<>();
        for (int v = 0; v < 60; v++) {
            JsonNode next = mutate(versions.get(versions.size() - 1), random);
            changes.add(Patches.between(versions.get(versions.size() - 1), next));
            versions.add(next);
        }
        // Forward from the first version reaches the last.
        JsonNode doc = versions.get(0);
        for (Patches.Pair c : changes) {
            doc = Patches.apply(c.forward(), doc);
        }
        assertThat(doc).isEqualTo(versions.get(versions.size() - 1));
        // Reverse from the last version restores each earlier version in turn.
        for (int i = changes.size() - 1; i >= 0; i--) {
            doc = Patches.apply(changes.get(i).reverse(), doc);
            assertThat(doc).as("version " + i).isEqualTo(versions.get(i));
        }
    }

    @Test
    void aCreateAndADeleteCarryTheWholeDocumentOnOneSide() {
        JsonNode doc = JSON.createObjectNode().put("title", "x");
        Patches.Pair create = Patches.between(null, doc);
        Patches.Pair delete = Patches.between(doc, null);
        assertThat(create.forward()).isEqualTo(doc);
        assertThat(create.reverse()).isNull();
        assertThat(delete.forward()).isNull();
        assertThat(delete.reverse()).isEqualTo(doc);
    }

    @Test
    void aPatchThatDoesNotApplyIsA400() throws Exception {
        JsonNode patch = JSON.readTree("[{\"op\":\"remove\",\"path\":\"/missing\"}]");
        assertThatThrownBy(() -> Patches.apply(patch, JSON.createObjectNode()))
                .isInstanceOf(ScribeException.class).extracting(e -> ((ScribeException) e).code()).isEqualTo(400);
        assertThatThrownBy(() -> Patches.apply(JSON.readTree("[{\"op\":\"explode\"}]"), JSON.createObjectNode()))
                .isInstanceOf(ScribeException.class);
    }
}
