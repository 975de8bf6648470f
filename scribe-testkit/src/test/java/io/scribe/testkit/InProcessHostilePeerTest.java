package io.scribe.testkit;

import io.scribe.core.Scriber;
import io.scribe.core.Task;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The hostile-peer suite against a Scriber in this JVM, its sessions fed directly. */
class InProcessHostilePeerTest extends HostilePeerSuite {

    private static final int MAX_FRAME = 256 * 1024;
    private static Scriber server;

    @Override
    protected int maxFrameBytes() {
        return MAX_FRAME;
    }

    @BeforeAll
    static void start() {
        server = Scriber.builder().clientId("server").store(Store.inMemory()).register(Task.class)
                .wire(Wire.scribe().withMaxFrameBytes(MAX_FRAME)).onError(e -> { }).build();
        server.create(new Task("there before", 1));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected RawPeer connect(String clientId) {
        return RawPeer.inProcess(server, clientId);
    }

    @Override
    protected Sample sample() {
        return new Sample("Task", id -> RawPeer.object().put("id", id).put("title", "t").put("done", false)
                .put("priority", 1).set("tags", RawPeer.object().arrayNode()), "title", "tags");
    }
}
