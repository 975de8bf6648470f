package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.ConnectionStatus;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A client started from a {@code Scriber.Builder} owns the Scriber: one close shuts client, Scriber and store. */
class OwnedScriberTest {

    private static Scriber.Builder laptop(String store) {
        return Scriber.builder().clientId("laptop").store("watched:" + store).register(Note.class)
                .requestTimeout(Duration.ofSeconds(10)).onError(e -> { });
    }

    @Test
    void oneCloseShutsTheClientThenItsScriberThenTheStoreItOpened() {
        try (Scriber hub = Peers.peer("hub");
             ScribeServer server = ScribeServer.builder(hub).bind("127.0.0.1").tcp(0).start()) {
            Scriber laptop;
            Session session;
            try (ScribeClient client = ScribeClient.tcp(laptop("one-close"), "127.0.0.1",
                    server.tcpAddress().getPort()).reconnect(FAST).start()) {
                laptop = client.scriber();
                session = client.awaitSession(WAIT);
                Note note = laptop.create(new Note("n1", "from the laptop", 1));
                await("the note on the hub", () -> hub.find(Note.class, note.id).isPresent());
                assertThat(WatchedStores.CLOSED).containsEntry("one-close", false);
            }
            assertThat(session.isOpen()).isFalse();
            assertThatThrownBy(laptop::open)
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            assertThat(WatchedStores.CLOSED).containsEntry("one-close", true);
            await("the hub to see the laptop leave", () -> hub.sessions().isEmpty());
        }
    }

    @Test
    void aClientGivenAScriberLeavesItOpen() {
        try (Scriber hub = Peers.peer("hub");
             ScribeServer server = ScribeServer.builder(hub).bind("127.0.0.1").tcp(0).start();
             Scriber laptop = laptop("given").build()) {
            ScribeClient client = ScribeClient.tcp(laptop, "127.0.0.1", server.tcpAddress().getPort())
                    .reconnect(FAST).start();
            client.awaitSession(WAIT);
            assertThat(client.scriber()).isSameAs(laptop);
            client.close();
            assertThat(client.status().state()).isEqualTo(ConnectionStatus.State.OFFLINE);
            laptop.create(new Note("n1", "still open", 1));
            assertThat(WatchedStores.CLOSED).containsEntry("given", false);
        }
        assertThat(WatchedStores.CLOSED).containsEntry("given", true);
    }
}
