package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.ScribeServer;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Fan-out over WebSocket: one change on a hub delivered to {@code clients} connected peers, Scribe against raw Netty
 * broadcasting one encoded message, in one run.
 *
 * <p>Scribe: a {@link ScribeServer} over WebSocket on loopback serves a hub Scriber (in-memory store); each change is
 * one {@code hub.create(...)} of an object with a {@code payload}-byte title, which the hub pushes to every session
 * as {@code add_scribe}. Raw: a Netty WebSocket server (same default number of event-loop threads) that writes one
 * {@link TextWebSocketFrame} of the same size, encoded once per change, to every client ({@code retainedDuplicate}).
 * A second raw server does the same to clients that answer every frame as a Scribe client answers a push (a frame
 * the server reads and drops): that baseline ("rawack") tells how much of the difference the answers cost.
 *
 * <p>The clients run in a child JVM started by this one (same class path), so that the server's heap and
 * allocation are measured alone. They are lightweight Netty WebSocket clients: the raw ones only read; the Scribe
 * ones speak the protocol minimally (client GUID in the upgrade URL, one {@code sync} from the start, an empty page
 * for the server's {@code sync}, {@code acks: "cumulative"} in its own {@code sync}, so that the server pushes without
 * request ids, one message for all clients, and one {@code ack} per read for the pushes in it, {@code response true}
 * for each {@code noop}). Every client
 * notes the {@link System#nanoTime()} at which a frame reached its handler (the same clock in both JVMs on Linux).
 *
 * <p>Measured per change: latency from just before the change on the server to each client's receipt, as p50, p99
 * and max across the clients; per back-to-back burst: changes per second until every client had every change, and
 * bytes allocated in the server JVM per change (all its threads). Scribe and raw alternate in short slices over
 * several rounds (the order swapped each round) so that both share the machine's noise; the ratios are per round.
 * Server heap per client: used heap after GC with the clients connected, minus before, divided by the clients.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.FanOutBenchmark [clients] [rounds]
 * [changesPerSlice] [burst] [payloadBytes]}; {@code -Dfanout.histogram=true} also prints the classes whose live
 * instances grew most with each kind of client (class histograms between the heap measurements).
 */
public final class FanOutBenchmark {

    @Synced(value = "Item", explicit = true)
    static final class Item {
        @SyncId
        String id;
        String title;
    }

    private static final int WARM_CLIENTS = 16;
    private static final long GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("clients")) {
            ClientsJvm.run(args);
            return;
        }
        int clients = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int slice = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int burst = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        int payload = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        int warmRounds = 2;
        System.out.printf("clients=%d rounds=%d (+%d warm-up) changes per latency slice=%d burst=%d payload=%dB "
                + "cpus=%d%n", clients, rounds, warmRounds, slice, burst, payload,
                Runtime.getRuntime().availableProcessors());

        // -Dfanout.receiverAckDelayMs: how long the hub lets its receivers hold their acks (Builder#receiverAckDelay),
        // stated in its answers to their sync; unset states nothing, and the clients use their own delay.
        Long receiverAckDelay = Long.getLong("fanout.receiverAckDelayMs");
        Scriber.Builder hubBuilder = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Item.class);
        if (receiverAckDelay != null) {
            hubBuilder.receiverAckDelay(java.time.Duration.ofMillis(receiverAckDelay));
        }
        System.out.printf("hub states receiver ack delay: %s; clients' own ack delay: %d ms%n",
                receiverAckDelay == null ? "no" : receiverAckDelay + " ms", Long.getLong("fanout.ackDelayMs", 20));
        Scriber hub = hubBuilder.build();
        ScribeServer scribe = ScribeServer.builder(hub).webSocket(0, "/scribe").start();
        RawServer raw = new RawServer();
        RawServer rawAck = new RawServer();
        Process child = startClients(clients, scribe.webSocketAddress().getPort(), raw.port, rawAck.port);
        Control control = new Control(child);
        String title = "x".repeat(payload);
        int[] seq = {0};
        Runnable scribeChange = () -> {
            Item item = new Item();
            item.id = "i" + seq[0]++;
            item.title = title;
            hub.create(item);
        };
        try {
            // Warm both servers' paths and buffer pools with a few connections, then measure the heap.
            control.call("warm " + WARM_CLIENTS);
            boolean histograms = Boolean.getBoolean("fanout.histogram");
            long heap0 = usedHeapAfterGc();
            Map<String, long[]> histo0 = histograms ? histogram() : null;
            control.call("connect raw");
            long heap1 = usedHeapAfterGc();
            Map<String, long[]> histo1 = histograms ? histogram() : null;
            control.call("connect scribe");
            long heap2 = usedHeapAfterGc();
            if (histograms) {
                Map<String, long[]> histo2 = histogram();
                printGrowth("raw", histo0, histo1, clients);
                printGrowth("scribe", histo1, histo2, clients);
            }
            control.call("connect rawack");
            double rawHeap = (heap1 - heap0) / (double) clients;
            double scribeHeap = (heap2 - heap1) / (double) clients;
            System.out.printf("server heap per client: scribe %.0f B, raw %.0f B (%.2fx)%n", scribeHeap, rawHeap,
                    scribeHeap / rawHeap);
            if (raw.channels.size() != clients || rawAck.channels.size() != clients
                    || scribe.connections() < clients) {
                throw new IllegalStateException("connected raw " + raw.channels.size() + ", raw with answers "
                        + rawAck.channels.size() + ", scribe " + scribe.connections());
            }

            // One Scribe change tells the size of its message; the raw frames are made as large.
            Stats first = control.change("scribe", 1, scribeChange);
            int frameBytes = first.bytes;
            System.out.printf("message: %d B of JSON per client%n", frameBytes);
            Map<String, Runnable> changes = new LinkedHashMap<>();
            changes.put("scribe", scribeChange);
            changes.put("raw", () -> raw.broadcast(frameBytes, seq[0]++));
            changes.put("rawack", () -> rawAck.broadcast(frameBytes, seq[0]++));
            List<String> kinds = new ArrayList<>(changes.keySet());
            Map<String, List<Slice>> slices = new LinkedHashMap<>();
            kinds.forEach(k -> slices.put(k, new ArrayList<>()));
            for (int round = 0; round < warmRounds + rounds; round++) {
                // Each round runs the three in another order, so that none always follows the same one.
                List<String> order = new ArrayList<>(kinds);
                Collections.rotate(order, round % kinds.size());
                if ((round / kinds.size()) % 2 == 1) {
                    Collections.reverse(order);
                }
                Map<String, Slice> measured = new LinkedHashMap<>();
                for (String kind : order) {
                    measured.put(kind, slice(control, kind, changes.get(kind), slice, burst));
                }
                boolean warm = round < warmRounds;
                StringBuilder line = new StringBuilder(warm ? "warm " : "round").append(String.format(" %2d", round));
                for (String kind : kinds) {
                    Slice x = measured.get(kind);
                    line.append(String.format(" | %s p50 %6.0f p99 %6.0f us, %5.0f chg/s", kind, x.p50, x.p99,
                            x.perSecond));
                    if (!warm) {
                        slices.get(kind).add(x);
                    }
                }
                System.out.println(line.append(String.format(" | p99 scribe/raw %.2f", measured.get("scribe").p99
                        / measured.get("raw").p99)));
            }
            System.out.println();
            System.out.printf("over %d rounds: medians of the per-round figures; a round's latency is the median over "
                    + "its %d changes of the per-change figure across the %d clients (us)%n", rounds, slice, clients);
            System.out.printf("%-8s %8s %8s %8s %10s %10s %12s %12s %12s%n", "", "p50", "p99", "max", "changes/s",
                    "call us", "call cpu us", "B alloc/chg", "of which call");
            for (String kind : kinds) {
                List<Slice> l = slices.get(kind);
                System.out.printf("%-8s %8.0f %8.0f %8.0f %10.0f %10.0f %12.0f %12.0f %12.0f%n", kind,
                        median(l, Slice::p50), median(l, Slice::p99), median(l, Slice::max),
                        median(l, Slice::perSecond), median(l, Slice::callMicros), median(l, Slice::callCpuMicros),
                        median(l, Slice::allocPerChange),
                        median(l, Slice::callerAllocPerChange));
            }
            ratio("scribe/raw    p50", slices.get("scribe"), slices.get("raw"), Slice::p50);
            ratio("scribe/raw    p99", slices.get("scribe"), slices.get("raw"), Slice::p99);
            ratio("scribe/raw    max", slices.get("scribe"), slices.get("raw"), Slice::max);
            ratio("scribe/raw    changes/s", slices.get("scribe"), slices.get("raw"), Slice::perSecond);
            ratio("scribe/raw    alloc/change", slices.get("scribe"), slices.get("raw"), Slice::allocPerChange);
            ratio("rawack/raw    p99", slices.get("rawack"), slices.get("raw"), Slice::p99);
            ratio("rawack/raw    changes/s", slices.get("rawack"), slices.get("raw"), Slice::perSecond);
            ratio("scribe/rawack p99", slices.get("scribe"), slices.get("rawack"), Slice::p99);
            ratio("scribe/rawack changes/s", slices.get("scribe"), slices.get("rawack"), Slice::perSecond);
            System.out.printf("server heap per client: scribe %.0f B, raw %.0f B (%.2fx)%n", scribeHeap, rawHeap,
                    scribeHeap / rawHeap);
        } finally {
            control.close();
            child.waitFor(10, TimeUnit.SECONDS);
            child.destroy();
            scribe.close();
            raw.close();
            rawAck.close();
            hub.close();
        }
    }

    /**
     * One slice: latency and throughput of one kind. {@code callMicros}: how long the change call itself took on the
     * calling thread (median over the one-at-a-time changes), and {@code callCpuMicros} the CPU time that thread spent
     * in it (the rest it waited: for a core, or for a lock); allocation per change in the whole server JVM, and on
     * the calling thread alone, over the burst.
     */
    record Slice(double p50, double p99, double max, double perSecond, double callMicros, double callCpuMicros,
            double allocPerChange, double callerAllocPerChange) {}

    /** {@code changes} changes one at a time (latency), then {@code burst} back to back (throughput). */
    private static Slice slice(Control control, String kind, Runnable change, int changes, int burst)
            throws Exception {
        double[] p50 = new double[changes];
        double[] p99 = new double[changes];
        double[] max = new double[changes];
        double[] call = new double[changes];
        double[] callCpu = new double[changes];
        for (int i = 0; i < changes; i++) {
            long until = System.nanoTime() + GAP_NANOS;
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            Stats s = control.change(kind, 1, change);
            p50[i] = s.p50;
            p99[i] = s.p99;
            max[i] = s.max;
            call[i] = s.callMicros;
            callCpu[i] = s.callCpuMicros;
        }
        Thread.sleep(20);
        long alloc0 = allocatedBytes();
        long caller0 = callerAllocatedBytes();
        Stats b = control.change(kind, burst, change);
        long caller = callerAllocatedBytes() - caller0;
        long alloc = allocatedBytes() - alloc0;
        Thread.sleep(20);
        return new Slice(median(p50), median(p99), median(max), burst / (b.last / 1e6), median(call),
                median(callCpu), alloc / (double) burst, caller / (double) burst);
    }

    private static void ratio(String name, List<Slice> a, List<Slice> b, ToDoubleFunction<Slice> f) {
        double[] v = new double[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(a.get(i)) / f.applyAsDouble(b.get(i));
        }
        Arrays.sort(v);
        System.out.printf("ratio %-26s median %5.2f  quartiles %5.2f..%5.2f  range %5.2f..%5.2f%n", name,
                quantile(v, 0.5), quantile(v, 0.25), quantile(v, 0.75), v[0], v[v.length - 1]);
    }

    private static double median(List<Slice> slices, ToDoubleFunction<Slice> f) {
        return median(slices.stream().mapToDouble(f).toArray());
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return quantile(v, 0.5);
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** Live objects by class (instances, bytes), from the JVM's class histogram (which runs a full GC). */
    private static Map<String, long[]> histogram() throws Exception {
        String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {new String[0]}, new String[] {String[].class.getName()});
        Map<String, long[]> classes = new LinkedHashMap<>();
        for (String line : text.split("\\R")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[0].endsWith(":")) {
                classes.put(f[3], new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
            }
        }
        return classes;
    }

    /** The classes whose live bytes grew most between two histograms, per client. */
    private static void printGrowth(String kind, Map<String, long[]> before, Map<String, long[]> after, int clients) {
        List<Map.Entry<String, long[]>> growth = new ArrayList<>();
        for (Map.Entry<String, long[]> e : after.entrySet()) {
            long[] b = before.getOrDefault(e.getKey(), new long[2]);
            growth.add(Map.entry(e.getKey(), new long[] {e.getValue()[0] - b[0], e.getValue()[1] - b[1]}));
        }
        growth.sort((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1]));
        long total = growth.stream().mapToLong(e -> e.getValue()[1]).sum();
        System.out.printf("heap growth with %d %s clients: %.0f B per client; largest classes (per client: "
                + "instances, bytes):%n", clients, kind, total / (double) clients);
        for (Map.Entry<String, long[]> e : growth.subList(0, Math.min(15, growth.size()))) {
            System.out.printf("  %6.2f %6.0f B  %s%n", e.getValue()[0] / (double) clients,
                    e.getValue()[1] / (double) clients, e.getKey());
        }
    }

    private static long callerAllocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** Bytes allocated so far by every live thread of this JVM. */
    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long n : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, n);
        }
        return sum;
    }

    private static Process startClients(int clients, int scribePort, int rawPort, int rawAckPort)
            throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:+UseParallelGC",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dfanout.ackDelayMs=" + Long.getLong("fanout.ackDelayMs", 20),
                "-cp", System.getProperty("java.class.path"),
                FanOutBenchmark.class.getName(), "clients", Integer.toString(clients), Integer.toString(scribePort),
                Integer.toString(rawPort), Integer.toString(rawAckPort)));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Per-change figures from the clients' JVM, in microseconds. */
    record Stats(double p50, double p99, double max, double last, int bytes, double callMicros,
            double callCpuMicros) {}

    /** The line protocol to the clients' JVM: a command on its stdin, one answer line on its stdout. */
    static final class Control implements AutoCloseable {
        private final PrintWriter out;
        private final BufferedReader in;

        Control(Process child) {
            out = new PrintWriter(child.getOutputStream(), true, StandardCharsets.UTF_8);
            in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        }

        String call(String command) throws Exception {
            out.println(command);
            String answer = in.readLine();
            if (answer == null || answer.startsWith("error")) {
                throw new IllegalStateException(command + ": " + answer);
            }
            return answer;
        }

        /** Arms the clients of {@code kind} for {@code count} messages, makes the changes, waits for all. */
        Stats change(String kind, int count, Runnable change) throws Exception {
            call("arm " + kind + " " + count);
            java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                change.run();
            }
            long t1 = System.nanoTime();
            long cpu1 = threads.getCurrentThreadCpuTime();
            String[] f = call("wait " + t0).split(" ");
            return new Stats(Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3]),
                    Double.parseDouble(f[4]), Integer.parseInt(f[5]), (t1 - t0) / 1000.0, (cpu1 - cpu0) / 1000.0);
        }

        @Override
        public void close() {
            out.println("quit");
        }
    }

    /** A raw Netty WebSocket server that broadcasts one frame to every client. */
    static final class RawServer implements AutoCloseable {
        final EventLoopGroup boss = new NioEventLoopGroup(1);
        final EventLoopGroup workers = new NioEventLoopGroup();
        final List<Channel> channels = new CopyOnWriteArrayList<>();
        final int port;

        RawServer() throws InterruptedException {
            Channel server = new ServerBootstrap().group(boss, workers).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024),
                                    new WebSocketServerProtocolHandler("/raw"), new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                            if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                                channels.add(ctx.channel());
                                            }
                                            ctx.fireUserEventTriggered(evt);
                                        }

                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            io.netty.util.ReferenceCountUtil.release(msg);
                                        }

                                        @Override
                                        public void channelInactive(ChannelHandlerContext ctx) {
                                            channels.remove(ctx.channel());
                                        }
                                    });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
            port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
        }

        /** Encodes one message of {@code bytes} bytes and writes it to every client. */
        void broadcast(int bytes, int n) {
            StringBuilder sb = new StringBuilder(bytes);
            sb.append("{\"type\":\"add_scribe\",\"id\":").append(n).append(",\"pad\":\"");
            while (sb.length() < bytes - 2) {
                sb.append('x');
            }
            sb.append("\"}");
            ByteBuf content = Unpooled.directBuffer(bytes).writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
            TextWebSocketFrame frame = new TextWebSocketFrame(content);
            for (Channel c : channels) {
                c.writeAndFlush(frame.retainedDuplicate(), c.voidPromise());
            }
            frame.release();
        }

        @Override
        public void close() throws InterruptedException {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** The clients' JVM: connects raw and Scribe WebSocket clients and reports when each change reached them all. */
    static final class ClientsJvm {
        private static final ObjectMapper MAPPER = new ObjectMapper();

        /** The clients of one kind and their arrival times for the change armed. */
        static final class Group {
            final String kind;
            final boolean ack;
            final int size;
            final long[] arrivals;
            volatile int target;
            volatile CountDownLatch done = new CountDownLatch(0);
            volatile int lastBytes;
            int delivered;

            Group(String kind, int size) {
                this.kind = kind;
                this.ack = kind.equals("rawack");
                this.size = size;
                this.arrivals = new long[size];
            }

            void arrived(int index, int count, long now, int bytes) {
                if (count == target) {
                    arrivals[index] = now;
                    lastBytes = bytes;
                    done.countDown();
                }
            }
        }

        static void run(String[] args) throws Exception {
            int clients = Integer.parseInt(args[1]);
            int scribePort = Integer.parseInt(args[2]);
            int rawPort = Integer.parseInt(args[3]);
            int rawAckPort = Integer.parseInt(args[4]);
            EventLoopGroup loop = new NioEventLoopGroup(2);
            Group raw = new Group("raw", clients);
            Group scribe = new Group("scribe", clients);
            Group rawAck = new Group("rawack", clients);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
            List<Channel> all = new ArrayList<>();
            Group armed = null;
            String line;
            try {
                while ((line = in.readLine()) != null) {
                    String[] f = line.split(" ");
                    try {
                        switch (f[0]) {
                            case "warm" -> {
                                int n = Integer.parseInt(f[1]);
                                List<Channel> warm = new ArrayList<>();
                                warm.addAll(connect(loop, new Group("raw", n), "ws://127.0.0.1:" + rawPort + "/raw",
                                        false, "warm"));
                                warm.addAll(connect(loop, new Group("scribe", n), "ws://127.0.0.1:" + scribePort
                                        + "/scribe", true, "warm"));
                                for (Channel c : warm) {
                                    c.close().sync();
                                }
                                out.println("ok");
                            }
                            case "connect" -> {
                                boolean s = f[1].equals("scribe");
                                Group g = group(f[1], scribe, raw, rawAck);
                                all.addAll(connect(loop, g, "ws://127.0.0.1:"
                                        + (s ? scribePort + "/scribe" : (g.ack ? rawAckPort : rawPort) + "/raw"), s,
                                        "c"));
                                out.println("ok");
                            }
                            case "arm" -> {
                                armed = group(f[1], scribe, raw, rawAck);
                                int count = Integer.parseInt(f[2]);
                                armed.done = new CountDownLatch(armed.size);
                                armed.delivered += count;
                                armed.target = armed.delivered;
                                out.println("armed");
                            }
                            case "wait" -> {
                                long t0 = Long.parseLong(f[1]);
                                if (!armed.done.await(120, TimeUnit.SECONDS)) {
                                    out.println("error timed out, " + armed.done.getCount() + " clients missing");
                                    continue;
                                }
                                long[] micros = new long[armed.size];
                                for (int i = 0; i < micros.length; i++) {
                                    micros[i] = (armed.arrivals[i] - t0) / 1000;
                                }
                                Arrays.sort(micros);
                                out.println("stats " + micros[(int) Math.round(0.5 * (micros.length - 1))] + " "
                                        + micros[(int) Math.round(0.99 * (micros.length - 1))] + " "
                                        + micros[micros.length - 1] + " " + micros[micros.length - 1] + " "
                                        + armed.lastBytes);
                            }
                            case "quit" -> {
                                return;
                            }
                            default -> out.println("error unknown command " + line);
                        }
                    } catch (Exception e) {
                        out.println("error " + e);
                    }
                }
            } finally {
                for (Channel c : all) {
                    c.close();
                }
                loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }

        private static Group group(String kind, Group scribe, Group raw, Group rawAck) {
            return switch (kind) {
                case "scribe" -> scribe;
                case "raw" -> raw;
                case "rawack" -> rawAck;
                default -> throw new IllegalArgumentException(kind);
            };
        }

        private static List<Channel> connect(EventLoopGroup loop, Group group, String url, boolean scribe,
                String prefix) throws Exception {
            CountDownLatch ready = new CountDownLatch(group.size);
            Semaphore inFlight = new Semaphore(64);
            List<Channel> channels = new ArrayList<>();
            for (int i = 0; i < group.size; i++) {
                inFlight.acquire();
                int index = i;
                URI uri = URI.create(scribe ? url + "?client=" + prefix + i : url);
                Bootstrap b = new Bootstrap().group(loop).channel(NioSocketChannel.class)
                        .option(ChannelOption.TCP_NODELAY, true)
                        .handler(new ChannelInitializer<SocketChannel>() {
                            @Override
                            protected void initChannel(SocketChannel ch) {
                                ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(64 * 1024),
                                        new WebSocketClientProtocolHandler(WebSocketClientProtocolConfig.newBuilder()
                                                .webSocketUri(uri).maxFramePayloadLength(16 << 20).build()),
                                        new Client(group, index, scribe, () -> {
                                            ready.countDown();
                                            inFlight.release();
                                        }));
                            }
                        });
                ChannelFuture f = b.connect("127.0.0.1", uri.getPort());
                f.addListener(done -> {
                    if (!done.isSuccess()) {
                        System.err.println("connect failed: " + done.cause());
                        inFlight.release();
                    }
                });
                channels.add(f.channel());
            }
            if (!ready.await(300, TimeUnit.SECONDS)) {
                throw new IllegalStateException(ready.getCount() + " clients of " + group.size + " not ready");
            }
            return channels;
        }

        /** One client: counts the messages that carry changes; a Scribe one answers what the protocol needs. */
        static final class Client extends SimpleChannelInboundHandler<WebSocketFrame> {
            private static final String PUSH = "{\"type\":\"add_scribe\",\"scribe\":{\"id\":\"";
            // How long a Scribe client may hold its ack back (Scriber.Builder#ackDelay); -Dfanout.ackDelayMs.
            private static final long ACK_DELAY_MS = Long.getLong("fanout.ackDelayMs", 20);
            private final Group group;
            private final int index;
            private final boolean scribe;
            private final Runnable ready;
            private int count;
            private int nextId = 1;
            private boolean isReady;
            // The id of the last push since the last ack, how many pushes since then, whether an ack is scheduled,
            // and the server's push window (from its answer to the sync; 0 until known). As Scribe's Java client
            // does: an ack at once for half a window, otherwise within ACK_DELAY_MS (0: at the end of every read),
            // or within the delay the server stated in that answer (ackDelay, Builder#receiverAckDelay) if it did.
            private String ackUpTo;
            private int unacked;
            private boolean ackScheduled;
            private int window;
            private long statedDelayMs = -1;

            Client(Group group, int index, boolean scribe, Runnable ready) {
                this.group = group;
                this.index = index;
                this.scribe = scribe;
                this.ready = ready;
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
                if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE && !scribe) {
                    markReady();
                }
                super.userEventTriggered(ctx, evt);
            }

            private void markReady() {
                if (!isReady) {
                    isReady = true;
                    ready.run();
                }
            }

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) throws Exception {
                long now = System.nanoTime();
                if (!(frame instanceof TextWebSocketFrame t)) {
                    return;
                }
                int bytes = t.content().readableBytes();
                String text = t.text();
                if (!scribe) {
                    group.arrived(index, ++count, now, bytes);
                    if (group.ack) {
                        answer(ctx, Integer.toString(count), "true");
                    }
                    return;
                }
                if (text.startsWith(PUSH)) {
                    // Pushed without a request id (the sync said this client acknowledges cumulatively): answered
                    // with one ack at the end of the read, as Scribe's clients do.
                    group.arrived(index, ++count, now, bytes);
                    String scribeId = scribeId(text);
                    if (scribeId != null) {
                        ackUpTo = scribeId;
                        unacked++;
                        return;
                    }
                }
                JsonNode m = MAPPER.readTree(text);
                String type = m.path("type").asText();
                JsonNode id = m.get("id");
                switch (type) {
                    case "hello" -> sync(ctx, null);
                    case "response" -> {
                        if (m.path("window").asInt(0) > 0) {
                            window = m.path("window").asInt();
                            // The Java receiver's rule (HeldAck.statedDelay): a number of milliseconds, whole,
                            // at most 10 s; anything else leaves the client's own delay.
                            JsonNode stated = m.get("ackDelay");
                            double ms = stated != null && stated.isNumber() ? stated.asDouble() : -1;
                            statedDelayMs = ms >= 0 ? (long) Math.min(ms, 10_000) : -1;
                        }
                        if (m.path("more").asBoolean(false) && m.hasNonNull("cursor")) {
                            sync(ctx, m.get("cursor").asText());
                        } else {
                            markReady();
                        }
                    }
                    case "sync" -> answer(ctx, id.toString(), "[],\"more\":false");
                    case "error" -> System.err.println("client " + index + ": " + text);
                    default -> {
                        if (id != null) {
                            answer(ctx, id.toString(), "true");
                        }
                    }
                }
            }

            private void sync(ChannelHandlerContext ctx, String from) {
                String json = "{\"type\":\"sync\",\"id\":" + nextId++ + ",\"from\":"
                        + (from == null ? "null" : MAPPER.getNodeFactory().textNode(from).toString())
                        + ",\"limit\":500,\"acks\":\"cumulative\"}";
                ctx.writeAndFlush(new TextWebSocketFrame(json));
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
                if (ackUpTo != null) {
                    long delay = statedDelayMs >= 0 ? statedDelayMs : ACK_DELAY_MS;
                    if (delay == 0 || window == 0 || unacked >= Math.max(1, window / 2)) {
                        ack(ctx);
                    } else if (!ackScheduled) {
                        ackScheduled = true;
                        ctx.executor().schedule(() -> {
                            ackScheduled = false;
                            ack(ctx);
                        }, delay, TimeUnit.MILLISECONDS);
                    }
                }
                super.channelReadComplete(ctx);
            }

            private void ack(ChannelHandlerContext ctx) {
                if (ackUpTo != null) {
                    ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"ack\",\"up_to\":\"" + ackUpTo + "\"}"));
                    ackUpTo = null;
                    unacked = 0;
                }
            }

            private static void answer(ChannelHandlerContext ctx, String id, String result) {
                ctx.writeAndFlush(new TextWebSocketFrame("{\"type\":\"response\",\"id\":" + id + ",\"result\":"
                        + result + "}"));
            }

            /** The scribe id of a push as the engine writes it ({@code ...,"scribe":{"id":"17",...}}), or null. */
            static String scribeId(String text) {
                int start = PUSH.length();
                int end = text.indexOf('"', start);
                return end <= start ? null : text.substring(start, end);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                System.err.println("client " + index + ": " + cause);
                ctx.close();
            }
        }
    }
}
