package io.scribe.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Replication over the Netty transports side by side with a raw Netty echo of frames of the same size, in one run.
 *
 * <p>Replication: peer {@code a} creates objects whose scribes travel as {@code add_scribe} frames to the hub, which
 * plays, stores and acknowledges each. Throughput counts objects the hub has applied per second; latency is the
 * time from {@code create} on {@code a} to the hub's listener seeing it, one object at a time. The echo baseline
 * writes frames of the same byte size to a Netty server that writes them back: throughput counts frames echoed per
 * second (batched flushes, as the transport does), latency is one frame's round trip.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.TransportBenchmark [objects]
 * [payloadBytes]}
 */
public final class TransportBenchmark {

    @Synced(value = "Item", explicit = true)
    static final class Item {
        @SyncId
        String id;
        String title;
    }

    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int payload = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int samples = 2_000;
        String title = "x".repeat(payload);
        System.out.printf("objects=%d payload=%dB latency samples=%d%n", objects, payload, samples);
        for (int round = 0; round < 2; round++) {
            boolean report = round == 1; // round 0 warms up
            Result tcp = replicate(false, objects, samples, title, round);
            Result ws = replicate(true, objects, samples, title, round);
            Result echo = echo(objects, samples, tcp.frameBytes);
            Result direct = inProcess(objects, title, round);
            if (report) {
                print("scribe in-process", direct);
                print("scribe TCP", tcp);
                print("scribe WebSocket", ws);
                print("raw Netty echo (TCP)", echo);
                System.out.printf("ratio throughput TCP/echo=%.2f WS/echo=%.2f; latency median TCP/echo=%.2f "
                        + "WS/echo=%.2f%n", tcp.perSecond / echo.perSecond, ws.perSecond / echo.perSecond,
                        tcp.medianMicros / echo.medianMicros, ws.medianMicros / echo.medianMicros);
            }
        }
    }

    record Result(double perSecond, double medianMicros, double p99Micros, int frameBytes) {}

    private static void print(String name, Result r) {
        System.out.printf("%-22s %10.0f msg/s   latency median %7.1f us  p99 %7.1f us  (frame %d B)%n", name,
                r.perSecond, r.medianMicros, r.p99Micros, r.frameBytes);
    }

    private static Result replicate(boolean webSocket, int objects, int samples, String title, int round)
            throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Item.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Item.class)
                .pushWindow(Integer.getInteger("bench.pushWindow", 256)).build();
        AtomicReference<CountDownLatch> latch = new AtomicReference<>();
        hub.listen(Item.class, c -> latch.get().countDown());
        ScribeServer.Builder sb = ScribeServer.builder(hub).workerThreads(1);
        ScribeServer server = webSocket ? sb.webSocket(0, "/scribe").start() : sb.tcp(0).start();
        ScribeClient client = (webSocket ? ScribeClient.webSocket(a, server.webSocketUri())
                : ScribeClient.tcp(a, "127.0.0.1", server.tcpAddress().getPort())).start();
        client.awaitSession(Duration.ofSeconds(10));
        try {
            latch.set(new CountDownLatch(objects));
            long start = System.nanoTime();
            for (int i = 0; i < objects; i++) {
                Item item = new Item();
                item.id = "t" + round + "-" + i;
                item.title = title;
                a.create(item);
            }
            await(latch.get());
            double perSecond = objects / ((System.nanoTime() - start) / 1e9);
            long[] rtt = new long[samples];
            for (int i = 0; i < samples; i++) {
                latch.set(new CountDownLatch(1));
                Item item = new Item();
                item.id = "l" + round + "-" + i;
                item.title = title;
                long t0 = System.nanoTime();
                a.create(item);
                await(latch.get());
                rtt[i] = System.nanoTime() - t0;
            }
            // The size of one add_scribe frame as it goes on the wire, for the echo baseline.
            String sample = "{\"type\":\"add_scribe\",\"scribe\":{\"id\":\"12345\",\"klass\":\"Item\",\"type\":\"create\","
                    + "\"data\":{\"id\":\"t1-12345\",\"title\":\"" + title + "\"},\"origin\":\"a\","
                    + "\"clock\":1234567890123456},\"id\":12345}";
            return new Result(perSecond, percentile(rtt, 0.5), percentile(rtt, 0.99), 4 + sample.length());
        } finally {
            client.close();
            server.close();
            a.close();
            hub.close();
        }
    }

    /** The engine alone: the two peers joined by direct calls, no network; throughput only. */
    private static Result inProcess(int objects, String title, int round) {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Item.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Item.class)
                .pushWindow(Integer.getInteger("bench.pushWindow", 256)).build();
        AtomicReference<io.scribe.core.Session> toHub = new AtomicReference<>();
        AtomicReference<io.scribe.core.Session> toA = new AtomicReference<>();
        toHub.set(a.client("hub").connect(direct(toA)));
        toA.set(hub.client("a").connect(direct(toHub)));
        toHub.get().sync().join();
        toA.get().sync().join();
        long start = System.nanoTime();
        for (int i = 0; i < objects; i++) {
            Item item = new Item();
            item.id = "d" + round + "-" + i;
            item.title = title;
            a.create(item);
        }
        double perSecond = objects / ((System.nanoTime() - start) / 1e9);
        a.close();
        hub.close();
        return new Result(perSecond, Double.NaN, Double.NaN, 0);
    }

    private static io.scribe.core.spi.Connection direct(AtomicReference<io.scribe.core.Session> peer) {
        return new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                peer.get().receiveData(frame);
            }

            @Override
            public void close() {}
        };
    }

    private static Result echo(int frames, int samples, int frameBytes) throws Exception {
        EventLoopGroup group = new NioEventLoopGroup(2);
        try {
            Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.write(msg);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    ctx.flush();
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            AtomicLong received = new AtomicLong();
            AtomicReference<CountDownLatch> done = new AtomicReference<>();
            AtomicLong target = new AtomicLong();
            Channel client = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            if (received.addAndGet(b.readableBytes()) >= target.get()) {
                                done.get().countDown();
                            }
                            b.release();
                        }
                    }).connect(server.localAddress()).sync().channel();
            byte[] frame = new byte[frameBytes];
            Arrays.fill(frame, (byte) 'x');
            received.set(0);
            target.set((long) frames * frameBytes);
            done.set(new CountDownLatch(1));
            long start = System.nanoTime();
            int batch = 64;
            for (int i = 0; i < frames; i += batch) {
                int n = Math.min(batch, frames - i);
                client.eventLoop().execute(() -> {
                    for (int k = 0; k < n; k++) {
                        client.write(Unpooled.wrappedBuffer(frame), client.voidPromise());
                    }
                    client.flush();
                });
            }
            await(done.get());
            double perSecond = frames / ((System.nanoTime() - start) / 1e9);
            long[] rtt = new long[samples];
            for (int i = 0; i < samples; i++) {
                received.set(0);
                target.set(frameBytes);
                done.set(new CountDownLatch(1));
                long t0 = System.nanoTime();
                client.writeAndFlush(Unpooled.wrappedBuffer(frame));
                await(done.get());
                rtt[i] = System.nanoTime() - t0;
            }
            client.close().sync();
            server.close().sync();
            return new Result(perSecond, percentile(rtt, 0.5), percentile(rtt, 0.99), frameBytes);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        if (!latch.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("timed out");
        }
    }

    private static double percentile(long[] nanos, double p) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p * (sorted.length - 1)))] / 1000.0;
    }
}
