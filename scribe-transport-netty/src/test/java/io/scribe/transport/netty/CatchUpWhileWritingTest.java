package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A catch-up of many small pages while the hub keeps writing: the hub reads its log for the pages without its lock,
 * so the end of the catch-up and the first pushes must meet without a gap or a lost write.
 */
class CatchUpWhileWritingTest {

    @Test
    void aPeerCatchingUpWhileTheHubWritesEndsWithEveryWrite() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class).pageSize(50)
                .onError(e -> { }).build();
        Scriber peer = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Note.class).pageSize(50)
                .onError(e -> { }).build();
        for (int i = 0; i < 3000; i++) {
            hub.create(new Note("old" + i, "old " + i, i));
        }
        try (hub; peer; ScribeServer server = ScribeServer.builder(hub).tcp(0).start()) {
            Thread writer = new Thread(() -> {
                for (int i = 0; i < 1000; i++) {
                    hub.create(new Note("new" + i, "new " + i, i));
                    Note old = hub.find(Note.class, "old" + (i * 3)).orElseThrow();
                    old.title = "edited while catching up " + i;
                    hub.save(old);
                    if (i % 100 == 0) {
                        Thread.onSpinWait();
                    }
                }
            });
            try (ScribeClient client = ScribeClient.tcp(peer, "127.0.0.1", server.tcpAddress().getPort())
                    .reconnect(FAST).start()) {
                writer.start();
                client.awaitSession(WAIT);
                writer.join();
                awaitConverged(4000, hub, peer);
                assertThat(peer.find(Note.class, "old2997").orElseThrow().title)
                        .isEqualTo("edited while catching up 999");
            }
        }
    }
}
