package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.WAIT;
import static io.scribe.transport.netty.Peers.awaitConverged;
import static io.scribe.transport.netty.Peers.peer;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.io.TempDir;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Heartbeat, back-pressure and TLS over loopback sockets. */
class FeaturesTest extends ClosingTest {

    private static byte[] frame(String json) {
        byte[] p = json.getBytes(StandardCharsets.UTF_8);
        byte[] f = new byte[4 + p.length];
        f[0] = (byte) (p.length >>> 24);
        f[1] = (byte) (p.length >>> 16);
        f[2] = (byte) (p.length >>> 8);
        f[3] = (byte) p.length;
        System.arraycopy(p, 0, f, 4, p.length);
        return f;
    }

    @Test
    void heartbeatsKeepQuietPeersConnectedAndASilentPeerIsDropped() throws Exception {
        Scriber hub = track(peer("hub"));
        Scriber a = track(peer("a"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0)
                .heartbeat(Duration.ofMillis(100), Duration.ofMillis(600)).start());
        ScribeClient client = track(ScribeClient.tcp(a, "127.0.0.1", server.tcpAddress().getPort())
                .reconnect(FAST).heartbeat(Duration.ofMillis(100), Duration.ofMillis(600)).start());
        Session session = client.awaitSession(WAIT);

        // A raw peer that says hello and then never writes: it gets noops, answers none, and is dropped.
        Socket silent = track(new Socket("127.0.0.1", server.tcpAddress().getPort()));
        silent.setSoTimeout((int) WAIT.toMillis());
        silent.getOutputStream().write(frame("{\"type\":\"hello\",\"client\":\"silent\"}"));
        List<String> got = new ArrayList<>();
        DataInputStream in = new DataInputStream(silent.getInputStream());
        try {
            while (true) {
                byte[] p = new byte[in.readInt()];
                in.readFully(p);
                got.add(new String(p, StandardCharsets.UTF_8));
            }
        } catch (EOFException | SocketException dropped) {
            // what the server does to a silent peer
        }
        assertThat(got).anySatisfy(f -> assertThat(f).contains("\"type\":\"noop\""));

        // The quiet but live client outlived the silent one's idle timeout on the same session.
        assertThat(session.isOpen()).isTrue();
        assertThat(client.session()).containsSame(session);
        a.create(new Note("n", "after the quiet time", 1));
        awaitConverged(1, a, hub);
    }

    @Test
    void aPeerThatDoesNotReadIsDroppedAndTheOthersGoOn() throws Exception {
        Scriber hub = track(peer("hub"));
        Scriber a = track(peer("a"));
        Scriber b = track(peer("b"));
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0)
                .outboundLimits(8 * 1024, 32 * 1024, 256 * 1024, Duration.ofMillis(500)).start());
        int port = server.tcpAddress().getPort();
        for (Scriber p : List.of(a, b)) {
            track(ScribeClient.tcp(p, "127.0.0.1", port).reconnect(FAST).start()).awaitSession(WAIT);
        }
        Socket slow = track(new Socket());
        slow.setReceiveBufferSize(4096);
        slow.connect(new InetSocketAddress("127.0.0.1", port));
        slow.getOutputStream().write(frame("{\"type\":\"hello\",\"client\":\"slow\"}"));
        slow.getOutputStream().write(frame("{\"type\":\"sync\",\"from\":null,\"id\":1}"));
        Peers.await("slow peer connected", () -> server.connections() == 3 && hub.sessions().size() == 3);

        String big = "x".repeat(2048);
        for (int i = 0; i < 2000; i++) {
            a.create(new Note("n" + i, big, i));
        }
        awaitConverged(2000, a, b, hub);
        Peers.await("the slow peer dropped", () -> server.connections() == 2);

        // What it can still read is bounded (by the push window and the outbound limits), not by the 4 MB it was sent.
        slow.setSoTimeout((int) WAIT.toMillis());
        InputStream in = slow.getInputStream();
        long total = 0;
        byte[] buf = new byte[64 * 1024];
        try {
            int r;
            while ((r = in.read(buf)) >= 0) {
                total += r;
            }
        } catch (SocketException reset) {
            // dropped
        }
        assertThat(total).isLessThan(3L * 1024 * 1024);
    }

    /**
     * A self-signed key for localhost, made by the JDK's keytool: Netty's SelfSignedCertificate needs Bouncy Castle
     * or JDK internals that Java 17 does not export.
     */
    private static KeyManagerFactory selfSigned(Path dir) throws Exception {
        Path store = dir.resolve("server.p12");
        char[] password = "changeit".toCharArray();
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        keytool.getInputStream().readAllBytes();
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return kmf;
    }

    @Test
    void tlsOverTcpAndWebSocket(@TempDir Path dir) throws Exception {
        SslContext serverTls = SslContextBuilder.forServer(selfSigned(dir)).build();
        SslContext clientTls = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE)
                .build();
        Scriber hub = track(peer("hub"));
        Scriber a = track(peer("a"));
        Scriber b = track(peer("b"));
        ScribeServer server = track(ScribeServer.builder(hub).tls(serverTls).tcp(0).webSocket(0, "/scribe").start());
        assertThat(server.webSocketUri().getScheme()).isEqualTo("wss");
        track(ScribeClient.tcp(a, "127.0.0.1", server.tcpAddress().getPort()).tls(clientTls).reconnect(FAST)
                .start()).awaitSession(WAIT);
        track(ScribeClient.webSocket(b, server.webSocketUri()).tls(clientTls).reconnect(FAST).start())
                .awaitSession(WAIT);

        a.create(new Note("over-tls", "secret", 1));
        awaitConverged(1, a, b, hub);

        // A plain-text peer on the TLS port gets nowhere.
        Socket plain = track(new Socket("127.0.0.1", server.tcpAddress().getPort()));
        plain.setSoTimeout((int) WAIT.toMillis());
        plain.getOutputStream().write(frame("{\"type\":\"hello\",\"client\":\"plain\"}"));
        try {
            while (plain.getInputStream().read() >= 0) {
                // drain until the server closes
            }
        } catch (IOException reset) {
            // closed
        }
        assertThat(hub.sessions()).hasSize(2);
    }
}
