package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.Store;
import io.scribe.testkit.RawPeer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer the hub trusts as a relay by its {@code trustRelays} rule (another server node connected to it) that states a
 * tiny frame in its {@code sync} is sent nothing larger, and nothing more: the hub's own writes and the scribes of its
 * other peers are still recorded, stored and relayed to the others. The frame of the peer a Scriber relays through
 * (its server, marked by {@link Session#trustAsRelay}) is what narrows the Scriber's own limit.
 */
class TrustedPeerFrameTest {

    private static final Duration ANSWER = Duration.ofSeconds(5);

    private final List<ScribeException> errors = new CopyOnWriteArrayList<>();
    private final List<RawPeer> peers = new CopyOnWriteArrayList<>();
    private Scriber hub;

    @AfterEach
    void close() {
        peers.forEach(RawPeer::close);
        if (hub != null) {
            hub.close();
        }
    }

    private RawPeer peer(String id) {
        RawPeer p = RawPeer.inProcess(hub, id);
        peers.add(p);
        return p;
    }

    private static ObjectNode sync(Integer frame) {
        ObjectNode sync = RawPeer.object().put("type", "sync").put("limit", 500);
        sync.putNull("from");
        if (frame != null) {
            sync.put("frame", frame);
        }
        return sync;
    }

    @Test
    void aTrustedNodeStatingATinyFrameDoesNotStopTheHubRecordingOrRelaying() throws Exception {
        hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Task.class)
                .trustRelays(s -> s.client().id().startsWith("node")).onError(errors::add).build();
        RawPeer watcher = peer("watcher");
        assertThat(watcher.request(sync(null), ANSWER).path("type").asText()).isEqualTo("response");
        RawPeer node = peer("node-2");
        // A node of the cluster (or one that claims to be) that reads frames of 200 bytes at most.
        assertThat(node.request(sync(200), ANSWER)).isNotNull();

        String title = "t".repeat(1_000);
        hub.create(new Task("own", title, 1));   // was ScribeException 413: over the 200 bytes the node reads
        assertThat(hub.find(Task.class, "own")).isPresent();

        RawPeer writer = peer("writer");
        ObjectNode data = RawPeer.object().put("id", "theirs").put("title", title).put("done", false)
                .put("priority", 2);
        data.set("tags", RawPeer.object().arrayNode());
        ObjectNode scribe = RawPeer.object().put("id", "1").put("klass", "Task").put("type", "create");
        scribe.set("data", data);
        scribe.put("clock", System.currentTimeMillis() << 16);
        ObjectNode add = RawPeer.object().put("type", "add_scribe");
        add.set("scribe", scribe);
        JsonNode answer = writer.request(add, ANSWER);
        assertThat(answer.path("type").asText()).as("%s", answer).isEqualTo("response");   // was error 413
        assertThat(hub.find(Task.class, "theirs")).isPresent();

        // Both reach the peer that reads large frames.
        long deadline = System.nanoTime() + ANSWER.toNanos();
        StringBuilder seen = new StringBuilder();
        while (System.nanoTime() < deadline
                && !(seen.indexOf("\"own\"") >= 0 && seen.indexOf("\"theirs\"") >= 0)) {
            for (JsonNode m : watcher.drain()) {
                seen.append(m);
            }
            Thread.sleep(20);
        }
        assertThat(seen.toString()).contains("\"own\"").contains("\"theirs\"");
        // The node is sent nothing over the 200 bytes it reads.
        assertThat(node.drain()).allSatisfy(m -> assertThat(m.toString().length()).isLessThanOrEqualTo(200));
    }
}
