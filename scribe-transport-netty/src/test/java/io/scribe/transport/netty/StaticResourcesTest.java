package io.scribe.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Static files from the class path beside the WebSocket endpoint. */
class StaticResourcesTest {

    @Test
    void filesUnderTheRootAreServedWithTheirTypeAndNothingElseIs() throws Exception {
        try (Scriber hub = Peers.peer("hub");
                ScribeServer server = ScribeServer.builder(hub).webSocket(0, "/scribe")
                        .staticResources("static-test")
                        .httpGet("/health", () -> "{\"status\":\"ok\"}")
                        .start()) {
            int port = server.webSocketAddress().getPort();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String base = "http://127.0.0.1:" + port;

            HttpResponse<String> index = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(index.statusCode()).isEqualTo(200);
            assertThat(index.body()).isEqualTo("<!doctype html><title>t</title>\n");
            assertThat(index.headers().firstValue("content-type")).contains("text/html; charset=utf-8");

            HttpResponse<String> js = http.send(HttpRequest.newBuilder(URI.create(base + "/sub/app.js?v=2")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(js.statusCode()).isEqualTo(200);
            assertThat(js.body()).isEqualTo("export const x = 1;\n");
            assertThat(js.headers().firstValue("content-type")).contains("text/javascript; charset=utf-8");

            HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create(base + "/sub/app.js"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(head.statusCode()).isEqualTo(200);
            assertThat(head.body()).isEmpty();
            assertThat(head.headers().firstValue("content-length")).contains("20");

            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/sub/app.js"))
                            .POST(HttpRequest.BodyPublishers.ofString("x")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(405);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/missing.js")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            // A file whose extension has no known type, and a folder, are not served.
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/notes.unknown")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/sub/")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
            // Routes registered with httpGet still answer.
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("{\"status\":\"ok\"}");

            // Paths that climb out of the root, sent as raw bytes so that no client normalises them.
            for (String path : new String[] {"/../outside.txt", "/sub/../../outside.txt", "/%2e%2e/outside.txt",
                    "/sub%2f..%2f..%2foutside.txt", "//outside.txt", "/./index.html"}) {
                assertThat(rawStatus(port, path)).as(path).startsWith("HTTP/1.1 404");
            }
            assertThat(rawStatus(port, "/index.html")).startsWith("HTTP/1.1 200");
        }
    }

    private static String rawStatus(int port, String path) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return all.substring(0, all.indexOf("\r\n"));
        }
    }
}
