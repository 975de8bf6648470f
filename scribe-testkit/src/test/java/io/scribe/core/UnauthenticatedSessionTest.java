package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Connection;
import io.scribe.testkit.ManualClock;
import io.scribe.testkit.Network;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A session that never authenticated, on a Scriber that requires it, is not a client seen by the server: open or
 * closed, it neither stores a record nor holds the log back from compaction.
 */
class UnauthenticatedSessionTest {

    private final Network net = new Network(new Random(11));
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private Scriber hub() {
        return Peers.builder("hub").clock(clock).compaction(Duration.ofDays(365), Duration.ofDays(30))
                .authenticate("auth", (session, message) -> {
                    if (!"open sesame".equals(message.path("password").asText())) {
                        throw new ScribeException(ScribeException.UNAUTHENTICATED, "wrong password");
                    }
                    return message.path("user").asText();
                })
                .onError(e -> { })
                .build();
    }

    private static final Connection NOWHERE = new Connection() {
        @Override
        public void send(byte[] frame) {}

        @Override
        public void close() {}
    };

    @Test
    void aSessionThatNeverAuthenticatedNeitherLeavesARecordNorHoldsCompactionBack() {
        Scriber hub = hub();
        Scriber laptop = Peers.builder("laptop").clock(clock).build();
        Network.Link link = net.link(laptop, hub);
        CompletableFuture<JsonNode> auth = link.sessionA().request(
                Json.object().put("type", "auth").put("user", "ann").put("password", "open sesame"));
        net.settle();
        assertThat(auth).isCompleted();
        link.sessionA().sync();
        net.settle();
        for (int i = 0; i < 10; i++) {
            hub.create(new Task("t" + i, "title " + i, i));
        }
        net.settle();
        assertThat(Peers.tasks(laptop)).isEqualTo(Peers.tasks(hub)).hasSize(10);

        // Anyone may open a connection and name itself: with a wrong password, or none, it is never let in.
        int clients = hub.clientCount();
        Session stranger = hub.client("stranger-1").connect(NOWHERE, Wire.scribe());
        stranger.receiveMessage("{\"type\":\"auth\",\"id\":1,\"user\":\"eve\",\"password\":\"guess\"}");
        stranger.disconnect();
        hub.client("stranger-2").connect(NOWHERE, Wire.scribe()).disconnect();
        // The same through an exchange (one HTTP request), answered 401.
        Session request = hub.client("stranger-4").exchange(NOWHERE, Wire.scribe());
        request.receiveMessage("{\"type\":\"sync\",\"id\":1,\"from\":null}");
        request.disconnect();
        assertThat(hub.store().cursor(Acknowledged.KEY_PREFIX + "stranger-4")).isEmpty();

        assertThat(hub.store().cursor(Acknowledged.KEY_PREFIX + "stranger-1")).isEmpty();
        assertThat(hub.store().cursor(Acknowledged.KEY_PREFIX + "stranger-2")).isEmpty();
        assertThat(hub.clientCount()).isEqualTo(clients);
        // The one client that was let in has everything: all of it can go, also while a stranger is connected.
        Session waiting = hub.client("stranger-3").connect(NOWHERE, Wire.scribe());
        hub.compact();
        net.settle();
        assertThat(hub.compact()).isEqualTo(hub.lastScribeId());
        waiting.disconnect();
    }
}
