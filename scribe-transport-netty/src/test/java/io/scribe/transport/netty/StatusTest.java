package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.await;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.ConnectionStatus;
import io.scribe.core.ConnectionStatus.State;
import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Connection status and the count of unacknowledged local changes, over real loopback sockets. */
class StatusTest extends ClosingTest {

    private final List<ScribeException> errors = new CopyOnWriteArrayList<>();

    private Scriber peer(String id, Store store, List<ConnectionStatus> statuses) {
        return track(Scriber.builder().clientId(id).store(store).register(Note.class)
                .requestTimeout(Duration.ofSeconds(10))
                .onError(errors::add)
                .onStatus(statuses::add)
                .build());
    }

    private static List<State> states(List<ConnectionStatus> statuses, String remote) {
        List<State> result = new ArrayList<>();
        for (ConnectionStatus s : statuses) {
            if (remote == null || remote.equals(s.remote())) {
                result.add(s.state());
            }
        }
        return result;
    }

    @Test
    void aClientGoesOnlineOfflineAndOnlineAgainAndCountsWhatTheServerHasNotAcknowledged() throws Exception {
        List<ConnectionStatus> hubSessions = new CopyOnWriteArrayList<>();
        List<ConnectionStatus> clientStatus = new CopyOnWriteArrayList<>();
        Scriber hub = peer("hub", Store.inMemory(), hubSessions);
        Store storeOfA = Store.inMemory();
        Scriber a = peer("a", storeOfA, new CopyOnWriteArrayList<>());
        ScribeServer server = ScribeServer.builder(hub).tcp(0).start();
        int port = server.tcpAddress().getPort();
        ScribeClient client = ScribeClient.tcp(a, "127.0.0.1", port).reconnect(FAST).onStatus(clientStatus::add)
                .start();
        client.awaitSession(WAIT);
        await("client online", () -> client.status().isOnline());
        assertThat(states(clientStatus, null)).containsSubsequence(State.CONNECTING, State.CATCHING_UP, State.ONLINE);
        assertThat(client.status().remote()).isEqualTo("hub");
        await("hub's session with a online", () -> states(hubSessions, "a").contains(State.ONLINE));
        assertThat(states(hubSessions, "a")).containsExactly(State.CATCHING_UP, State.ONLINE);

        for (int i = 0; i < 5; i++) {
            a.create(new Note("n" + i, "online " + i, i));
        }
        awaitConverged(5, a, hub);
        await("every push acknowledged", () -> client.pending().equals(OptionalLong.of(0)));

        // A plain disconnect: the server goes away. A status change, not an error, on either side.
        server.close();
        await("client offline", () -> client.status().state() != State.ONLINE
                && states(clientStatus, null).contains(State.OFFLINE));
        ConnectionStatus offline = clientStatus.stream().filter(s -> s.state() == State.OFFLINE).findFirst()
                .orElseThrow();
        assertThat(offline.cause()).isNotNull();
        await("hub's session with a offline", () -> states(hubSessions, "a").contains(State.OFFLINE));

        a.create(new Note("x1", "offline", 10));
        Note n0 = a.find(Note.class, "n0").orElseThrow();
        n0.title = "edited offline";
        a.save(n0);
        assertThat(client.pending()).hasValue(2);

        // A restart of a, on the same store, while the server is still down: the count is the same.
        client.close();
        assertThat(client.status()).isEqualTo(new ConnectionStatus(State.OFFLINE, "hub", null));
        a.close();
        List<ConnectionStatus> restartedStatus = new CopyOnWriteArrayList<>();
        Scriber a2 = peer("a", storeOfA, new CopyOnWriteArrayList<>());
        ScribeClient again = track(ScribeClient.tcp(a2, "127.0.0.1", port).serverId("hub").reconnect(FAST)
                .onStatus(restartedStatus::add).start());
        assertThat(again.pending()).hasValue(2);
        assertThat(a2.client("hub").pending()).isEqualTo(2);
        await("a failed attempt", () -> states(restartedStatus, null).contains(State.OFFLINE));

        // The server is back: the client catches up, comes online, and the server acknowledges both changes.
        ScribeServer back = ScribeServer.builder(hub).tcp(port).start();
        again.awaitSession(WAIT);
        await("online again", () -> again.status().isOnline());
        awaitConverged(6, a2, hub);
        await("both acknowledged", () -> again.pending().equals(OptionalLong.of(0)));
        assertThat(hub.find(Note.class, "n0").orElseThrow().title).isEqualTo("edited offline");

        // Disconnects while pushes are in flight, from the client's side.
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 20; i++) {
                a2.create(new Note("r" + round + "-" + i, "round " + round, i));
            }
            again.reconnect();
            again.awaitSession(WAIT);
        }
        awaitConverged(66, a2, hub);
        await("all acknowledged", () -> again.pending().equals(OptionalLong.of(0)));
        back.close();
        await("offline at the end", () -> again.status().state() == State.OFFLINE);

        assertThat(errors).as("errors reported while connections came and went").isEmpty();
    }
}
