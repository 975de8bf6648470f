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
 * Over WebSocket, as over a byte stream, the {@code add_scribe} messages of one read are stored with one commit:
 * a producer faster than its hub's store has its scribes stored several to a commit, all of them, in order.
 */
class WebSocketBatchTest {

    private static final int CREATES = 2_000;

    /** A store that takes a millisecond per commit and remembers how many scribes each commit held. */
    private static final class SlowStore extends ForwardingStore {
        final List<Integer> sizes = new CopyOnWriteArrayList<>();

        SlowStore() {
            super(Store.inMemory());
        }

        @Override
        public List<io.scribe.core.Scribe> commit(Commit commit) {
            LockSupport.parkNanos(1_000_000);
            if (!commit.scribes().isEmpty()) {
                sizes.add(commit.scribes().size());
            }
            return super.commit(commit);
        }
    }

    @Test
    void theScribesOfOneReadAreStoredTogether() throws Exception {
        List<ScribeException> errors = new CopyOnWriteArrayList<>();
        SlowStore store = new SlowStore();
        Scriber hub = Scriber.builder().clientId("hub").store(store).register(Note.class).onError(errors::add)
                .build();
        Scriber producer = Scriber.builder().clientId("producer").store(Store.inMemory()).register(Note.class)
                .onError(errors::add).build();
        try (hub; producer;
                ScribeServer server = ScribeServer.builder(hub).webSocket(0, "/scribe").start();
                ScribeClient client = ScribeClient.webSocket(producer, server.webSocketUri()).reconnect(FAST)
                        .start()) {
            client.awaitSession(WAIT);
            for (int i = 0; i < CREATES; i++) {
                producer.create(new Note("n" + i, "note " + i, i));
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (hub.all(Note.class).size() < CREATES && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(hub.all(Note.class)).hasSize(CREATES);
            // In the producer's order: the hub's log holds n0, n1, ... as they were created.
            List<io.scribe.core.Scribe> log = hub.store().readAfter(0, CREATES);
            for (int i = 0; i < CREATES; i++) {
                assertThat(log.get(i).data().path("id").asText()).isEqualTo("n" + i);
            }
            assertThat(store.sizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(CREATES);
            assertThat(store.sizes).hasSizeLessThan(CREATES).anySatisfy(n -> assertThat(n).isGreaterThan(1));
            assertThat(errors).isEmpty();
        }
    }
}
