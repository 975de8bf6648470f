package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class AuthenticationTest {

    private final Network net = new Network(new Random(3));
    private final List<ScribeException> serverErrors = new ArrayList<>();

    private Scriber server() {
        return Scriber.builder().clientId("server").store(Store.inMemory()).register(Task.class)
                .authenticate("auth", (session, message) -> {
                    if (!"open sesame".equals(message.path("password").asText())) {
                        throw new ScribeException(ScribeException.UNAUTHENTICATED, "wrong password");
                    }
                    return message.path("user").asText();
                })
                .onError(serverErrors::add)
                .build();
    }

    @Test
    void everyRequestBeforeAuthenticationIsAnswered401AndNothingIsPlayedOrSent() {
        Scriber server = server();
        server.create(new Task("secret", 1));
        Scriber client = Peers.peer("client");
        client.create(new Task("from client", 2));
        Network.Link link = net.link(client, server);
        CompletableFuture<Void> catchUp = link.sessionA().catchUp();
        CompletableFuture<JsonNode> rpc = link.sessionA().rpc("Task", "nothing");
        net.settle();

        assertThat(catchUp).isCompletedExceptionally();
        assertThat(rpc).isCompletedExceptionally();
        assertThat(rpc.handle((r, e) -> e.getCause() instanceof ScribeException se ? se.code() : -1).join()).isEqualTo(401);
        assertThat(Peers.tasks(client)).hasSize(1);
        assertThat(Peers.tasks(server)).hasSize(1);
        assertThat(link.sessionB().principal()).isEmpty();
        assertThat(link.sessionB().isOpen()).isTrue();
    }

    @Test
    void aWrongCredentialIsRefusedAndTheRightOneOpensTheSessionWithItsPrincipal() {
        Scriber server = server();
        server.create(new Task("on server", 1));
        Scriber client = Peers.peer("client");
        client.create(new Task("on client", 2));
        Network.Link link = net.link(client, server);
        net.settle();

        CompletableFuture<JsonNode> wrong = link.sessionA().request(
                Json.object().put("type", "auth").put("user", "ann").put("password", "guess"));
        net.settle();
        assertThat(wrong).isCompletedExceptionally();
        assertThat(link.sessionB().principal()).isEmpty();

        CompletableFuture<JsonNode> right = link.sessionA().request(
                Json.object().put("type", "auth").put("user", "ann").put("password", "open sesame"));
        net.settle();
        assertThat(right.join().path("result").path("principal").asText()).isEqualTo("ann");
        assertThat(link.sessionB().principal()).contains("ann");

        // The server's own catch-up was deferred until now; the client catches up again after its 401.
        link.sessionA().sync();
        net.settle();
        assertThat(Peers.tasks(client)).isEqualTo(Peers.tasks(server)).hasSize(2);
        assertThat(serverErrors).anyMatch(e -> e.code() == 401);
    }

    @Test
    void aNewSessionReplacesAnOlderOneOfItsClientOnlyOnceItHasAuthenticated() {
        Scriber server = server();
        Capture first = new Capture(4);
        Session authenticated = server.client("alice-laptop").connect(first);
        authenticated.receiveData(Capture.frame("{\"type\":\"auth\",\"id\":1,\"user\":\"alice\","
                + "\"password\":\"open sesame\"}"));
        assertThat(authenticated.principal()).contains("alice");

        // Someone names the same client and never authenticates: the real session stays.
        Session stranger = server.client("alice-laptop").connect(new Capture(4));
        stranger.receiveData(Capture.frame("{\"type\":\"auth\",\"id\":1,\"user\":\"mallory\","
                + "\"password\":\"guess\"}"));
        assertThat(authenticated.isOpen()).isTrue();

        // The client itself reconnects and authenticates: its older sessions give way.
        Session again = server.client("alice-laptop").connect(new Capture(4));
        again.receiveData(Capture.frame("{\"type\":\"auth\",\"id\":1,\"user\":\"alice\","
                + "\"password\":\"open sesame\"}"));
        assertThat(authenticated.isOpen()).isFalse();
        assertThat(stranger.isOpen()).isFalse();
        assertThat(again.isOpen()).isTrue();
    }
}
