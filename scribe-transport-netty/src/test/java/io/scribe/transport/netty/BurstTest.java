package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A producer far faster than its hub: every scribe arrives and nothing is reported as failed, however long the
 * hub takes, as long as it keeps answering.
 */
class BurstTest {

    private static final int CREATES = 100_000;

    /** A store that takes a millisecond per commit, as a remote database might. */
    private static final class SlowStore extends ForwardingStore {
        SlowStore() {
            super(Store.inMemory());
        }

        @Override
        public List<io.scribe.core.Scribe> commit(Commit commit) {
            LockSupport.parkNanos(1_000_000);
            return super.commit(commit);
        }
    }

    @Test
    void aBurstOfCreatesAgainstASlowHubArrivesWholeWithoutErrors() throws Exception {
        List<ScribeException> errors = new CopyOnWriteArrayList<>();
        // A request timeout far shorter than the time the hub needs for the whole burst.
        Scriber hub = Scriber.builder().clientId("hub").store(new SlowStore()).register(Note.class)
                .requestTimeout(Duration.ofSeconds(3)).onError(errors::add).build();
        Scriber producer = Scriber.builder().clientId("producer").store(Store.inMemory()).register(Note.class)
                .requestTimeout(Duration.ofSeconds(3)).onError(errors::add).build();
        try (hub; producer;
                ScribeServer server = ScribeServer.builder(hub).tcp(0).start();
                ScribeClient client = ScribeClient.tcp(producer, "127.0.0.1", server.tcpAddress().getPort())
                        .reconnect(FAST).start()) {
            client.awaitSession(WAIT);
            for (int i = 0; i < CREATES; i++) {
                producer.create(new Note("n" + i, "note " + i, i));
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
            while (hub.all(Note.class).size() < CREATES && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(hub.all(Note.class)).hasSize(CREATES);
            assertThat(hub.store().lastId()).isEqualTo(CREATES);
            assertThat(producer.store().lastId()).isEqualTo(CREATES);
            assertThat(errors).isEmpty();
        }
    }
}
