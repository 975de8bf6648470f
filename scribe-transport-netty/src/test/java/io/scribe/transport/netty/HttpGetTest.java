package io.scribe.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Plain HTTP answers beside the WebSocket endpoint. */
class HttpGetTest {

    @Test
    void aRegisteredPathIsAnsweredWithItsJsonAndOtherRequestsAreRefused() throws Exception {
        try (Scriber hub = Peers.peer("hub");
                ScribeServer server = ScribeServer.builder(hub).webSocket(0, "/scribe")
                        .httpGet("/health", () -> "{\"status\":\"ok\"}")
                        .httpGet("/broken", () -> {
                            throw new IllegalStateException("boom");
                        })
                        .start()) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + server.webSocketAddress().getPort();
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health?x=1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\"}");
            assertThat(health.headers().firstValue("content-type")).contains("application/json");
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/other")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/broken")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(500);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
        }
    }
}
