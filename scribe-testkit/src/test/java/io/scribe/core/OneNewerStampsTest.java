package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.UniformStamps;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The stamps of a state whose fields share one stamp but one field's (an object created, then one field set, however
 * often) are held as that stamp and the field's: a map equal to the stamps written out, which the engine reads and
 * updates as it would the full map, on this peer and on the peers it replicates to.
 */
class OneNewerStampsTest {

    @Test
    void theMapOfOneNewerFieldIsTheMapOfEveryStamp() {
        ObjectNode fields = HeldNode.compact(Json.object().put("id", "t1").put("title", "a").put("priority", 1));
        Stamp created = new Stamp(10, "hub", 0);
        Stamp set = new Stamp(20, "hub", 10);
        Map<String, Stamp> one = UniformStamps.withNewer(fields, created, "title", set);
        Map<String, Stamp> every = new HashMap<>(Map.of("id", created, "title", set, "priority", created));

        assertThat(one).isEqualTo(every);
        assertThat(every).isEqualTo(one);
        assertThat(one.hashCode()).isEqualTo(every.hashCode());
        assertThat(one.get("title")).isEqualTo(set);
        assertThat(one.get("priority")).isEqualTo(created);
        assertThat(one.get("nothing")).isNull();
        assertThat(one.entrySet()).containsExactlyInAnyOrderElementsOf(every.entrySet());
        assertThat(one.values()).containsExactlyInAnyOrder(created, set, created);
        assertThat(one.containsValue(set)).isTrue();
        assertThat(one.containsValue(created)).isTrue();
        assertThat(one.containsValue(new Stamp(30, "hub", 0))).isFalse();
        assertThat(Map.copyOf(one)).isEqualTo(every);
    }

    @Test
    void updatesOfOneFieldThenAnotherKeepEveryStampAndConverge() {
        Network net = new Network(new Random(9));
        Store hubStore = Store.inMemory();
        try (Scriber hub = Scriber.builder().clientId("hub").store(hubStore).register(Task.class).build();
                Scriber laptop = Scriber.builder().clientId("laptop").store(Store.inMemory()).register(Task.class)
                        .build()) {
            net.link(laptop, hub);
            Task task = hub.create(new Task("t1", "first", 1));
            net.settle();
            Stamp created = stamps(hubStore).get("id");

            task.setTitle("second");
            hub.save(task);
            task.setTitle("third");
            hub.save(task);
            // Held as the created stamp and the title's (no array of stamps).
            assertThat(hubStore.object("Task", "t1").orElseThrow().stamps()).isInstanceOfSatisfying(
                    UniformStamps.class, u -> assertThat(u.newerField()).isEqualTo("title"));
            Map<String, Stamp> afterTitles = stamps(hubStore);
            Stamp title = afterTitles.get("title");
            assertThat(title.clock()).isGreaterThan(created.clock());
            for (String f : List.of("id", "done", "priority", "tags")) {
                assertThat(afterTitles.get(f)).as(f).isEqualTo(created);
            }
            net.settle();
            assertThat(stampsOf(laptop.store())).isEqualTo(afterTitles);

            task.setPriority(5);
            hub.save(task);
            Map<String, Stamp> afterPriority = stamps(hubStore);
            assertThat(afterPriority.get("title")).isEqualTo(title);
            assertThat(afterPriority.get("priority").clock()).isGreaterThan(title.clock());
            assertThat(afterPriority.get("id")).isEqualTo(created);

            // The laptop's concurrent older write of the title loses to the hub's newer one; its newer one wins.
            Task there = laptop.find(Task.class, "t1").orElseThrow();
            net.settle();
            there.setTitle("from the laptop");
            laptop.save(there);
            net.settle();
            assertThat(hub.find(Task.class, "t1").orElseThrow().title()).isEqualTo("from the laptop");
            assertThat(stampsOf(laptop.store())).isEqualTo(stamps(hubStore));
            assertThat(stamps(hubStore).get("title").origin()).isEqualTo("laptop");
        }
    }

    @Test
    void aRestartKeepsTheNewerFieldsStamp() {
        Store store = Store.inMemory();
        Map<String, Map<String, Stamp>> before = new HashMap<>();
        try (Scriber hub = Scriber.builder().clientId("hub").store(store).register(Task.class).build();
                Scriber laptop = Scriber.builder().clientId("laptop").store(Store.inMemory()).register(Task.class)
                        .build()) {
            Network net = new Network(new Random(4));
            net.link(laptop, hub);
            // Created on the laptop: each create's origin is a text of its own as read from the wire.
            for (String id : List.of("t1", "t2", "t3")) {
                laptop.create(new Task(id, "first", 1));
            }
            net.settle();
            for (String id : List.of("t1", "t2", "t3")) {
                Task task = hub.find(Task.class, id).orElseThrow();
                task.setTitle("second");
                hub.save(task);
                before.put(id, stampsOf(store, id));
                assertThat(before.get(id).get("title").origin()).isEqualTo("hub");
                assertThat(before.get(id).get("priority").origin()).isEqualTo("laptop");
            }
        }
        try (Scriber again = Scriber.builder().clientId("hub").store(store).register(Task.class).build()) {
            for (String id : List.of("t1", "t2", "t3")) {
                Task task = again.find(Task.class, id).orElseThrow();
                assertThat(task.title()).isEqualTo("second");
                assertThat(new HashMap<>(again.live.states.get(new Key("Task", id)).stamps()))
                        .as("held stamps of %s after the restart", id).isEqualTo(before.get(id));
                task.setTitle("third");
                again.save(task);
                Map<String, Stamp> after = stampsOf(store, id);
                assertThat(after.get("priority")).isEqualTo(before.get(id).get("priority"));
                assertThat(after.get("title").base()).isEqualTo(before.get(id).get("title").clock());
            }
        }
    }

    @Test
    void statesWhoseOriginsAreTextsOfTheirOwnAreRestoredWithTheNewerStamp() {
        Store store = Store.inMemory();
        List<ObjectState> states = new java.util.ArrayList<>();
        for (String id : List.of("t1", "t2")) {
            ObjectNode fields = HeldNode.compact(Json.object().put("id", id).put("title", "x").put("done", false)
                    .put("priority", 1).set("tags", Json.NODES.arrayNode()));
            // Each state's origin a text of its own, as two reads of a store give them.
            Stamp created = new Stamp(100, new String("laptop"), 0);
            states.add(new ObjectState("Task", id, fields,
                    UniformStamps.withNewer(fields, created, "title", new Stamp(200, "hub", 100)), null));
        }
        store.commit(new io.scribe.core.spi.Commit(List.of(), states, Map.of()));
        try (Scriber hub = Scriber.builder().clientId("hub").store(store).register(Task.class).build()) {
            for (ObjectState s : states) {
                assertThat(new HashMap<>(hub.live.states.get(new Key("Task", s.id())).stamps()))
                        .as("held stamps of %s", s.id()).isEqualTo(new HashMap<>(s.stamps()));
            }
        }
    }

    private static Map<String, Stamp> stampsOf(Store store, String id) {
        return new HashMap<>(store.object("Task", id).orElseThrow().stamps());
    }

    private static Map<String, Stamp> stamps(Store store) {
        return stampsOf(store);
    }

    private static Map<String, Stamp> stampsOf(Store store) {
        ObjectState s = store.object("Task", "t1").orElseThrow();
        return new HashMap<>(s.stamps());
    }
}
