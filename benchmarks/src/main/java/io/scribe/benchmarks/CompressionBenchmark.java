package io.scribe.benchmarks;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.HttpSync;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Bytes on the wire and throughput with and without compression, for small and for large objects, and a new peer's
 * catch-up over the HTTP sync API against WebSocket.
 *
 * <p>Compression: peer {@code a} creates objects that replicate to a hub through a byte-counting TCP relay (a thread
 * pair copying each direction), over TCP ({@code u32}, deflate frames over 1 KiB when agreed) and over WebSocket
 * ({@code permessage-deflate}); bytes counts both directions, throughput the objects the hub applied per second. The
 * titles are text that compresses as documents do (varied words, not one repeated byte).
 *
 * <p>Catch-up: the hub holds {@code objects} small objects; a new peer connects and the time until its catch-up read
 * the hub's log to the end is measured, over WebSocket and over HTTP (pages of 500).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.CompressionBenchmark [smallObjects]
 * [largeObjects]}
 */
public final class CompressionBenchmark {

    @Synced(value = "Doc", explicit = true)
    static final class Doc {
        @SyncId
        String id;
        String body;
    }

    private static final String[] WORDS = {"scribe", "replicates", "plain", "java", "objects", "between", "peers",
        "every", "mutation", "records", "a", "change", "the", "server", "relays", "it", "to", "clients", "that",
        "may", "see", "document", "title", "field", "value", "clock", "origin", "cursor", "page", "log"};

    static String text(int bytes, long seed) {
        StringBuilder sb = new StringBuilder(bytes + 16);
        long x = seed * 6364136223846793005L + 1442695040888963407L;
        while (sb.length() < bytes) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            sb.append(WORDS[(int) ((x >>> 33) % WORDS.length)]).append(' ');
            if (((x >>> 20) & 15) == 0) {
                sb.append(x >>> 40).append(". ");
            }
        }
        return sb.substring(0, bytes);
    }

    public static void main(String[] args) throws Exception {
        int small = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int large = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        System.out.printf("small objects=%d of 100 B, large objects=%d of 100 KB%n", small, large);
        for (int round = 0; round < 2; round++) {
            boolean report = round == 1; // round 0 warms up
            for (boolean webSocket : new boolean[] {false, true}) {
                for (int[] size : new int[][] {{small, 100}, {large, 100_000}}) {
                    Result plain = replicate(webSocket, false, size[0], size[1], round);
                    Result zipped = replicate(webSocket, true, size[0], size[1], round);
                    if (report) {
                        String path = (webSocket ? "WebSocket" : "TCP u32") + ", " + size[1] + " B x " + size[0];
                        System.out.printf("%-28s plain %,14d B %10.0f obj/s | compressed %,14d B %10.0f obj/s"
                                + " | bytes %.2fx%n", path, plain.bytes, plain.perSecond, zipped.bytes,
                                zipped.perSecond, (double) zipped.bytes / plain.bytes);
                    }
                }
            }
            double ws = catchUp(false, small, round);
            double http = catchUp(true, small, round);
            if (report) {
                System.out.printf("catch-up of %d objects: WebSocket %.0f obj/s, HTTP pull %.0f obj/s (%.2fx)%n",
                        small, ws, http, http / ws);
            }
        }
    }

    record Result(long bytes, double perSecond) {}

    private static Result replicate(boolean webSocket, boolean compress, int objects, int bytes, int round)
            throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Doc.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Doc.class).build();
        AtomicReference<CountDownLatch> latch = new AtomicReference<>(new CountDownLatch(objects));
        hub.listen(Doc.class, c -> latch.get().countDown());
        ScribeServer.Builder sb = ScribeServer.builder(hub).workerThreads(1);
        if (compress) {
            sb.compression(1024);
        }
        ScribeServer server = webSocket ? sb.webSocket(0, "/scribe").start() : sb.tcp(0).start();
        int port = webSocket ? server.webSocketAddress().getPort() : server.tcpAddress().getPort();
        try (Relay relay = new Relay(port)) {
            ScribeClient.Builder cb = webSocket
                    ? ScribeClient.webSocket(a, URI.create("ws://127.0.0.1:" + relay.port() + "/scribe"))
                    : ScribeClient.tcp(a, "127.0.0.1", relay.port());
            if (compress) {
                cb.compression(1024);
            }
            ScribeClient client = cb.start();
            client.awaitSession(Duration.ofSeconds(10));
            long before = relay.bytes();
            long start = System.nanoTime();
            for (int i = 0; i < objects; i++) {
                Doc d = new Doc();
                d.id = "d" + round + "-" + i;
                d.body = text(bytes, i);
                a.create(d);
            }
            if (!latch.get().await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("hub did not apply every object");
            }
            double perSecond = objects / ((System.nanoTime() - start) / 1e9);
            // The acknowledgements still in flight count too.
            Thread.sleep(200);
            long sent = relay.bytes() - before;
            client.close();
            return new Result(sent, perSecond);
        } finally {
            server.close();
            a.close();
            hub.close();
        }
    }

    private static double catchUp(boolean http, int objects, int round) throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Doc.class).build();
        for (int i = 0; i < objects; i++) {
            Doc d = new Doc();
            d.id = "c" + round + "-" + i;
            d.body = text(100, i);
            hub.create(d);
        }
        ScribeServer server = ScribeServer.builder(hub).workerThreads(1).webSocket(0, "/scribe")
                .httpSync(HttpSync.defaults()).start();
        Scriber fresh = Scriber.builder().clientId("fresh").store(Store.inMemory()).register(Doc.class).build();
        try {
            long start = System.nanoTime();
            ScribeClient client = (http ? ScribeClient.http(fresh, server.httpUri())
                    : ScribeClient.webSocket(fresh, server.webSocketUri())).start();
            client.awaitSession(Duration.ofMinutes(5));
            double perSecond = objects / ((System.nanoTime() - start) / 1e9);
            if (fresh.all(Doc.class).size() != objects) {
                throw new IllegalStateException("catch-up incomplete: " + fresh.all(Doc.class).size());
            }
            client.close();
            return perSecond;
        } finally {
            server.close();
            fresh.close();
            hub.close();
        }
    }

    /** Relays one TCP connection at a time to {@code target}, counting the bytes of both directions. */
    static final class Relay implements AutoCloseable {
        private final ServerSocket listener = new ServerSocket();
        private final AtomicLong bytes = new AtomicLong();

        Relay(int target) throws IOException {
            listener.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread accept = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket in = listener.accept();
                        Socket out = new Socket("127.0.0.1", target);
                        in.setTcpNoDelay(true);
                        out.setTcpNoDelay(true);
                        pump(in, out);
                        pump(out, in);
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "relay-accept");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        long bytes() {
            return bytes.get();
        }

        private void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[64 * 1024];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        out.write(buf, 0, n);
                        bytes.addAndGet(n);
                    }
                } catch (IOException e) {
                    // closed
                } finally {
                    try {
                        from.close();
                        to.close();
                    } catch (IOException e) {
                        // closed
                    }
                }
            }, "relay-pump");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }
}
