package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link SmallMap} behaves as the {@code LinkedHashMap} an {@link ObjectNode} holds otherwise. */
class SmallMapTest {

    @Test
    void randomOperationsLeaveTheSameEntriesInTheSameOrderAsALinkedHashMap() {
        for (int seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            ObjectNode reference = Json.object();
            ObjectNode small = HeldNode.compact(Json.object());
            for (int step = 0; step < 200; step++) {
                // Keys from a range that crosses the size where the map moves into a LinkedHashMap.
                String key = "k" + random.nextInt(SmallMap.MAX + 6);
                JsonNode value = Json.NODES.numberNode(random.nextInt(100));
                switch (random.nextInt(6)) {
                    case 0, 1 -> assertThat(small.replace(key, value)).isEqualTo(reference.replace(key, value));
                    case 2 -> assertThat(small.remove(key)).isEqualTo(reference.remove(key));
                    case 3 -> {
                        // Removal through the key set's iterator, as ObjectNode.retain does.
                        List<String> keep = retained(reference, random);
                        small.retain(keep);
                        reference.retain(keep);
                    }
                    case 4 -> assertThat(small.get(key)).isEqualTo(reference.get(key));
                    default -> {
                        if (random.nextInt(20) == 0) {
                            small.removeAll();
                            reference.removeAll();
                        }
                    }
                }
                assertThat(iterate(small)).containsExactlyEntriesOf(iterate(reference));
                assertThat(small.fieldNames()).toIterable().containsExactlyElementsOf(() -> reference.fieldNames());
                assertThat(small.elements()).toIterable().containsExactlyElementsOf(() -> reference.elements());
                assertThat(small).isEqualTo(reference);
                assertThat(reference).isEqualTo(small);
                assertThat(small.hashCode()).isEqualTo(reference.hashCode());
                assertThat(Json.text(small)).isEqualTo(Json.text(reference));
            }
        }
    }

    @Test
    void mapsCompactedFromTheSameKeysChangeIndependently() {
        // Held maps of the same keys share one key array: a change to one map's keys (an added, removed or cleared
        // key, in a map or in a deep copy of it) must not show in any other.
        for (int seed = 0; seed < 100; seed++) {
            Random random = new Random(seed);
            List<ObjectNode> references = new ArrayList<>();
            List<ObjectNode> smalls = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                ObjectNode reference = Json.object().put("id", "x" + i).put("title", "t" + i).put("done", i % 2 == 0);
                references.add(reference);
                smalls.add(HeldNode.compact(reference.deepCopy()));
            }
            for (int step = 0; step < 300; step++) {
                int m = random.nextInt(smalls.size());
                ObjectNode small = smalls.get(m);
                ObjectNode reference = references.get(m);
                String key = random.nextBoolean() ? List.of("id", "title", "done").get(random.nextInt(3))
                        : "k" + random.nextInt(SmallMap.MAX + 3);
                switch (random.nextInt(7)) {
                    case 0, 1 -> {
                        JsonNode value = Json.NODES.numberNode(random.nextInt(100));
                        assertThat(small.replace(key, value)).isEqualTo(reference.replace(key, value));
                    }
                    case 2 -> assertThat(small.remove(key)).isEqualTo(reference.remove(key));
                    case 3 -> {
                        // A held state derived from another by copying it, then held again itself.
                        smalls.add(HeldNode.compact(small.deepCopy()));
                        references.add(reference.deepCopy());
                    }
                    case 4 -> {
                        smalls.set(m, HeldNode.compact(small));
                        assertThat(smalls.get(m)).isSameAs(small);
                    }
                    case 5 -> {
                        List<String> keep = retained(reference, random);
                        small.retain(keep);
                        reference.retain(keep);
                    }
                    default -> {
                        if (random.nextInt(10) == 0) {
                            small.removeAll();
                            reference.removeAll();
                        }
                    }
                }
                for (int i = 0; i < smalls.size(); i++) {
                    assertThat(iterate(smalls.get(i))).containsExactlyEntriesOf(iterate(references.get(i)));
                    assertThat(Json.text(smalls.get(i))).isEqualTo(Json.text(references.get(i)));
                }
            }
        }
    }

    @Test
    void compactKeepsTheValuesThemselvesAndLeavesLargeNodesAlone() {
        ObjectNode node = Json.object().put("id", "x1").put("title", "a title");
        ObjectNode small = HeldNode.compact(node);
        assertThat(small).isEqualTo(node);
        assertThat(small.get("title")).isSameAs(node.get("title"));
        ObjectNode large = Json.object();
        for (int i = 0; i <= SmallMap.MAX; i++) {
            large.put("f" + i, i);
        }
        assertThat(HeldNode.compact(large)).isSameAs(large);
        // A deep copy and an update of the compact form are ordinary nodes with the same content.
        ObjectNode copy = small.deepCopy();
        copy.put("title", "changed");
        assertThat(small.get("title").asText()).isEqualTo("a title");
        assertThat(copy.fieldNames()).toIterable().containsExactly("id", "title");
        assertThat(HeldNode.compact(copy)).as("a copy of a compact node is compact already").isSameAs(copy);
        assertThat(HeldNode.compact(small)).isSameAs(small);
    }

    @Test
    void aKeyAddedWhileIteratingFailsTheIterationAsALinkedHashMapDoes() {
        for (int fields : new int[] {2, SmallMap.MAX}) {
            ObjectNode node = Json.object();
            for (int i = 0; i < fields; i++) {
                node.put("f" + i, i);
            }
            ObjectNode small = HeldNode.compact(node);
            Iterator<Map.Entry<String, JsonNode>> it = small.fields();
            it.next();
            small.put("added", 1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                while (it.hasNext()) {
                    it.next();
                }
            }).isInstanceOf(java.util.ConcurrentModificationException.class);
        }
    }

    private static List<String> retained(ObjectNode node, Random random) {
        List<String> keep = new ArrayList<>();
        node.fieldNames().forEachRemaining(k -> {
            if (random.nextBoolean()) {
                keep.add(k);
            }
        });
        return keep;
    }

    private static Map<String, JsonNode> iterate(ObjectNode node) {
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            entries.put(e.getKey(), e.getValue());
        }
        return entries;
    }
}
