package io.scribe.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A client whose first catch-up takes longer than a minute, over a real loopback socket. */
class LongCatchUpTest {

    @Test
    void awaitSessionReturnsWhenAFirstCatchUpOfOverAMinuteEnds() throws Exception {
        // The hub's log is read slowly: each read of a page of one scribe takes half a second, 70 pages in all.
        Store slow = new ForwardingStore(Store.inMemory()) {
            volatile boolean slowed;

            @Override
            public List<Scribe> readAfter(long afterId, int limit) {
                if (slowed) {
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.readAfter(afterId, limit);
            }
        };
        try (Scriber hub = Scriber.builder().clientId("hub").store(slow).register(Note.class).build();
                ScribeServer server = ScribeServer.builder(hub).tcp(0).start();
                Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Note.class).pageSize(1)
                        .requestTimeout(Duration.ofMinutes(3)).build()) {
            for (int i = 0; i < 70; i++) {
                hub.create(new Note("n" + i, "note " + i, i));
            }
            slow.getClass().getDeclaredField("slowed").setBoolean(slow, true);
            try (ScribeClient client = ScribeClient.tcp(a, "127.0.0.1", server.tcpAddress().getPort()).start()) {
                long started = System.nanoTime();
                Session session = client.awaitSession(Duration.ofMinutes(3));
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("the catch-up took over a minute")
                        .isGreaterThan(Duration.ofSeconds(60));
                assertThat(session.isCaughtUp()).isTrue();
                assertThat(a.all(Note.class)).hasSize(70);
            }
        }
    }
}
