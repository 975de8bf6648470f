package io.scribe.docsync;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.docsync.client.DocClient;
import io.scribe.testkit.HostilePeerSuite;
import io.scribe.testkit.RawPeer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-peer suite against a doc-sync server on PostgreSQL: every peer, hostile or not, is an authenticated
 * device of one user (the worst case: its credential is valid, its messages are not).
 */
class DocServerHostilePeerTest extends HostilePeerSuite {

    @TempDir
    static Path dir;

    static Harness h;

    @BeforeAll
    static void start() {
        h = new Harness(dir);
        h.startServer();
    }

    @AfterAll
    static void stop() throws Exception {
        h.close();
    }

    @Override
    protected RawPeer connect(String clientId) throws Exception {
        RawPeer peer = RawPeer.webSocket(h.server.uri(), clientId);
        JsonNode answer = peer.request(DocClient.authMessage("ann@example.com", h.credential[0], h.credential[1],
                clientId, System.currentTimeMillis() / 1000), Duration.ofSeconds(20));
        if (answer == null || !answer.path("type").asText().equals("response")) {
            peer.close();
            throw new IllegalStateException("refused at authentication: " + answer);
        }
        return peer;
    }

    @Override
    protected Sample sample() {
        return new Sample(Document.KLASS, id -> RawPeer.object().put("id", id).put("owner", "ann@example.com")
                .put("title", "t").put("version", 0).putNull("revision")
                .<com.fasterxml.jackson.databind.node.ObjectNode>set("content", RawPeer.object())
                .set("sharedWith", RawPeer.object().arrayNode()), "title", "sharedWith");
    }
}
