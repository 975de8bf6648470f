package io.scribe.benchmarks;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
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
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * Replication over the Netty transports against a hand-written replication over Netty + Jackson, in alternating
 * slices of one JVM.
 *
 * <p><b>Scribe</b> ({@code tcp}, {@code ws}): peer {@code a} creates objects whose scribes travel as {@code add_scribe}
 * frames to the hub, which plays, stores and acknowledges them. Throughput counts objects the hub has applied per
 * second; latency is the time from {@code create} on {@code a} to the hub's listener seeing it, one object at a time.
 *
 * <p><b>Raw Netty + Jackson</b> ({@code raw}): what a hand-written replication over Netty does. The sender encodes
 * each message with Jackson (an object with the fields and sizes of Scribe's {@code add_scribe} of a create: type,
 * scribe id, klass, type, data with the id and the title, origin, clock), writes it with a u32 length prefix over TCP
 * (queued and written with one flush per event-loop turn, as Scribe's transport does) keeping at most {@code window}
 * messages unacknowledged; the receiver, a Netty server, decodes each into a Jackson tree, keeps it in a {@code
 * HashMap} by object id and answers with a Jackson-encoded {@code {"type":"ack","up_to":id}}; the sender decodes the
 * acks. Throughput counts messages acknowledged per second; latency is one message's round trip to its ack (and,
 * for comparison with Scribe's figure, to the receiver having stored it).
 *
 * <p>Lower-bound references: {@code echo}, raw Netty writing opaque frames of the same size to a server that writes
 * them back (batches of 64 per flush); {@code direct}, the two Scribers joined by direct calls, without a network;
 * {@code json}, the raw arm's Jackson and map work alone on one thread.
 *
 * <p>Each round runs every arm once, one slice each, in the order given; round 0 warms up and is not counted. Per
 * slice: throughput, process CPU time per message over the throughput phase (all threads of the JVM: both peers,
 * GC, JIT) and the kernel's share of it, garbage-collection time per message, latency median and p99. Each slice
 * starts after a {@code System.gc()}, so that one arm's garbage is not collected in the next one's slice. At the end:
 * per arm the medians over the rounds, and the ratios Scribe / raw per round with their median and range.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.TransportBenchmark [objectsPerSlice]
 * [payloadBytes] [rounds] [latencySamples]} (defaults 20000 100 5 1000). {@code
 * -Dbench.arms=tcp,raw,ws,echo,direct,json} chooses the arms and their order, {@code -Dbench.pushWindow=256} the
 * window of both Scribe's pusher and the raw sender; {@code -Dbench.rawResumeOnEachAck=true} makes the raw sender
 * resume on every ack instead of at half the window.
 */
public final class TransportBenchmark {

    @Synced(value = "Item", explicit = true)
    static final class Item {
        @SyncId
        String id;
        String title;
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectWriter ADD_WRITER = MAPPER.writerFor(AddScribe.class);
    private static final boolean RAW_RESUME_ON_EACH_ACK = Boolean.getBoolean("bench.rawResumeOnEachAck");
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** The raw sender's message: the same fields, order and sizes as Scribe's {@code add_scribe} of a create. */
    @JsonPropertyOrder({"type", "scribe"})
    public static final class AddScribe {
        public String type = "add_scribe";
        public Change scribe;
    }

    @JsonPropertyOrder({"id", "klass", "type", "data", "origin", "clock"})
    public static final class Change {
        public String id;
        public String klass;
        public String type;
        public Data data;
        public String origin;
        public long clock;
    }

    @JsonPropertyOrder({"id", "title"})
    public static final class Data {
        public String id;
        public String title;
    }

    /**
     * One slice. {@code cpuMicrosPerMessage}: process CPU time over the throughput phase per message; {@code
     * sysShare}: the part of it spent in the kernel (Linux {@code /proc/self/stat}, 10 ms ticks; NaN elsewhere);
     * {@code gcMicrosPerMessage}: the collectors' accumulated collection time (for G1's young collections, their
     * pauses) over the same phase, per message.
     */
    record Result(double perSecond, double cpuMicrosPerMessage, double sysShare, double gcMicrosPerMessage,
            double medianMicros, double p99Micros, double oneWayMedianMicros) {}

    /** Process CPU time, total and in the kernel, over one throughput phase. */
    static final class Cpu {
        private final long total0 = OS.getProcessCpuTime();
        private final long[] ticks0 = ticks();
        private final long gc0 = gcMillis();
        private long total;
        private double sysShare;
        private long gc;

        Cpu stop() {
            total = OS.getProcessCpuTime() - total0;
            long[] t = ticks();
            long user = t[0] - ticks0[0];
            long sys = t[1] - ticks0[1];
            sysShare = t[0] < 0 || user + sys == 0 ? Double.NaN : (double) sys / (user + sys);
            gc = gcMillis() - gc0;
            return this;
        }

        double microsPer(int messages) {
            return total / 1e3 / messages;
        }

        double gcMicrosPer(int messages) {
            return gc * 1e3 / messages;
        }

        private static long gcMillis() {
            long sum = 0;
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                sum += Math.max(0, gc.getCollectionTime());
            }
            return sum;
        }

        private static long[] ticks() {
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
            } catch (Exception e) {
                return new long[] {-1, -1};
            }
        }
    }

    interface Arm {
        Result run(int round, String prefix) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int payload = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int samples = args.length > 3 ? Integer.parseInt(args[3]) : 1_000;
        int window = Integer.getInteger("bench.pushWindow", 256);
        List<String> names = List.of(System.getProperty("bench.arms", "tcp,raw,ws,echo,direct,json").split(","));
        String title = "x".repeat(payload);
        int rawFrame = 4 + ADD_WRITER.writeValueAsBytes(message(12345, "t1-12345", title)).length;
        Map<String, Arm> all = new LinkedHashMap<>();
        all.put("tcp", (round, p) -> replicate(false, objects, samples, title, p, window));
        all.put("raw", (round, p) -> rawJackson(objects, samples, title, p, window));
        all.put("ws", (round, p) -> replicate(true, objects, samples, title, p, window));
        all.put("echo", (round, p) -> echo(objects, samples, rawFrame));
        all.put("direct", (round, p) -> inProcess(objects, title, p, window));
        all.put("json", (round, p) -> jacksonOnly(objects, title, p));
        Map<String, String> labels = Map.of("tcp", "scribe TCP", "raw", "raw Netty+Jackson", "ws", "scribe WebSocket",
                "echo", "raw Netty echo", "direct", "scribe in-process", "json", "raw Jackson only");
        System.out.printf(Locale.ROOT, "objects/slice=%d payload=%dB rounds=%d (+1 warm-up) latency samples=%d "
                + "window=%d arms=%s raw frame=%dB cpus=%d%n", objects, payload, rounds, samples, window, names,
                rawFrame, Runtime.getRuntime().availableProcessors());
        Map<String, List<Result>> results = new LinkedHashMap<>();
        names.forEach(n -> results.put(n, new ArrayList<>()));
        for (int round = 0; round <= rounds; round++) {
            String tag = round == 0 ? "warm-up" : "round " + round;
            Map<String, Result> r = new LinkedHashMap<>();
            for (String name : names) {
                Arm arm = all.get(name);
                if (arm == null) {
                    throw new IllegalArgumentException("unknown arm " + name + "; known: " + all.keySet());
                }
                System.gc();
                Thread.sleep(50);
                Result result = arm.run(round, name.charAt(0) + "" + round + "-");
                r.put(name, result);
                System.out.printf(Locale.ROOT, "%-8s %-18s %9.0f msg/s  cpu %6.1f us/msg (kernel %3.0f%%)  gc %5.1f "
                        + "us/msg  latency median %6.1f us  p99 %7.1f us%s%n", tag, labels.get(name), result.perSecond,
                        result.cpuMicrosPerMessage, 100 * result.sysShare, result.gcMicrosPerMessage,
                        result.medianMicros, result.p99Micros,
                        Double.isNaN(result.oneWayMedianMicros) ? ""
                                : String.format(Locale.ROOT, "  (to stored %.1f us)", result.oneWayMedianMicros));
            }
            if (round > 0) {
                r.forEach((n, res) -> results.get(n).add(res));
            }
            StringBuilder line = new StringBuilder(tag + " ratios:");
            ratio(line, r, "tcp", "raw", Result::perSecond, "TCP/raw msg/s");
            ratio(line, r, "tcp", "raw", Result::cpuMicrosPerMessage, "TCP/raw cpu/msg");
            ratio(line, r, "ws", "raw", Result::perSecond, "WS/raw msg/s");
            ratio(line, r, "raw", "echo", Result::perSecond, "raw/echo msg/s");
            System.out.println(line);
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "medians over %d rounds:%n", rounds);
        for (var e : results.entrySet()) {
            List<Result> rs = e.getValue();
            System.out.printf(Locale.ROOT, "%-18s %9.0f msg/s (%.0f..%.0f)  cpu %6.1f us/msg (%.1f..%.1f, kernel "
                    + "%.0f%%)  gc %.1f us/msg  latency median %6.1f us  p99 %7.1f us%s%n", labels.get(e.getKey()),
                    median(rs, Result::perSecond), min(rs, Result::perSecond), max(rs, Result::perSecond),
                    median(rs, Result::cpuMicrosPerMessage), min(rs, Result::cpuMicrosPerMessage),
                    max(rs, Result::cpuMicrosPerMessage), 100 * median(rs, Result::sysShare),
                    median(rs, Result::gcMicrosPerMessage),
                    median(rs, Result::medianMicros), median(rs, Result::p99Micros),
                    Double.isNaN(rs.get(0).oneWayMedianMicros) ? "" : String.format(Locale.ROOT,
                            "  (to stored %.1f us)", median(rs, Result::oneWayMedianMicros)));
        }
        summary(results, "tcp", "raw", Result::perSecond, "scribe TCP / raw Netty+Jackson, msg/s (goal >= 0.6)");
        summary(results, "tcp", "raw", Result::cpuMicrosPerMessage, "scribe TCP / raw Netty+Jackson, cpu per msg");
        summary(results, "tcp", "raw", Result::medianMicros, "scribe TCP / raw Netty+Jackson, latency median");
        summary(results, "ws", "raw", Result::perSecond, "scribe WebSocket / raw Netty+Jackson, msg/s");
        summary(results, "ws", "raw", Result::cpuMicrosPerMessage, "scribe WebSocket / raw Netty+Jackson, cpu per msg");
        summary(results, "tcp", "echo", Result::perSecond, "scribe TCP / raw echo, msg/s");
        summary(results, "raw", "echo", Result::perSecond, "raw Netty+Jackson / raw echo, msg/s");
        System.out.printf(Locale.ROOT, "load average (1 min) at the end: %.2f%n", OS.getSystemLoadAverage());
    }

    private static void ratio(StringBuilder line, Map<String, Result> r, String a, String b,
            Function<Result, Double> f, String label) {
        if (r.containsKey(a) && r.containsKey(b)) {
            line.append(String.format(Locale.ROOT, "  %s %.3f", label, f.apply(r.get(a)) / f.apply(r.get(b))));
        }
    }

    private static void summary(Map<String, List<Result>> results, String a, String b, Function<Result, Double> f,
            String label) {
        List<Result> ra = results.get(a);
        List<Result> rb = results.get(b);
        if (ra == null || rb == null || ra.isEmpty()) {
            return;
        }
        double[] ratios = new double[ra.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = f.apply(ra.get(i)) / f.apply(rb.get(i));
        }
        System.out.printf(Locale.ROOT, "%-58s median %.3f  range %.3f..%.3f  per round %s%n", label,
                Stats.median(ratios), Arrays.stream(ratios).min().orElse(Double.NaN), Arrays.stream(ratios).max().orElse(Double.NaN),
                Arrays.toString(Arrays.stream(ratios).map(x -> Math.round(x * 1000) / 1000.0).toArray()));
    }

    /** A frame's JSON, parsed with Jackson from its bytes; the frame is released. */
    static JsonNode readFrame(Object msg) throws java.io.IOException {
        ByteBuf frame = (ByteBuf) msg;
        byte[] bytes;
        try {
            bytes = ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
        return MAPPER.readTree(bytes);
    }

    private static double median(List<Result> rs, Function<Result, Double> f) {
        return Stats.median(rs.stream().mapToDouble(f::apply).toArray());
    }

    private static double min(List<Result> rs, Function<Result, Double> f) {
        return rs.stream().mapToDouble(f::apply).min().orElse(Double.NaN);
    }

    private static double max(List<Result> rs, Function<Result, Double> f) {
        return rs.stream().mapToDouble(f::apply).max().orElse(Double.NaN);
    }

    // ---------------------------------------------------------------------------------------------------- Scribe

    private static Result replicate(boolean webSocket, int objects, int samples, String title, String prefix,
            int window) throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Item.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Item.class)
                .pushWindow(window).build();
        AtomicReference<CountDownLatch> latch = new AtomicReference<>();
        hub.listen(Item.class, c -> latch.get().countDown());
        ScribeServer.Builder sb = ScribeServer.builder(hub).workerThreads(1);
        ScribeServer server = webSocket ? sb.webSocket(0, "/scribe").start() : sb.tcp(0).start();
        ScribeClient client = (webSocket ? ScribeClient.webSocket(a, server.webSocketUri())
                : ScribeClient.tcp(a, "127.0.0.1", server.tcpAddress().getPort())).start();
        client.awaitSession(Duration.ofSeconds(10));
        try {
            latch.set(new CountDownLatch(objects));
            Cpu cpu = new Cpu();
            long start = System.nanoTime();
            for (int i = 0; i < objects; i++) {
                Item item = new Item();
                item.id = prefix + i;
                item.title = title;
                a.create(item);
            }
            await(latch.get());
            long elapsed = System.nanoTime() - start;
            cpu.stop();
            long[] rtt = new long[samples];
            for (int i = 0; i < samples; i++) {
                latch.set(new CountDownLatch(1));
                Item item = new Item();
                item.id = prefix + "l" + i;
                item.title = title;
                long t0 = System.nanoTime();
                a.create(item);
                await(latch.get());
                rtt[i] = System.nanoTime() - t0;
            }
            return new Result(objects / (elapsed / 1e9), cpu.microsPer(objects), cpu.sysShare,
                    cpu.gcMicrosPer(objects), percentile(rtt, 0.5), percentile(rtt, 0.99), Double.NaN);
        } finally {
            client.close();
            server.close();
            a.close();
            hub.close();
        }
    }

    /** The engine alone: the two peers joined by direct calls, no network; throughput only. */
    private static Result inProcess(int objects, String title, String prefix, int window) {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Item.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Item.class)
                .pushWindow(window).build();
        AtomicReference<io.scribe.core.Session> toHub = new AtomicReference<>();
        AtomicReference<io.scribe.core.Session> toA = new AtomicReference<>();
        toHub.set(a.client("hub").connect(direct(toA)));
        toA.set(hub.client("a").connect(direct(toHub)));
        toHub.get().sync().join();
        toA.get().sync().join();
        Cpu cpu = new Cpu();
        long start = System.nanoTime();
        for (int i = 0; i < objects; i++) {
            Item item = new Item();
            item.id = prefix + i;
            item.title = title;
            a.create(item);
        }
        long elapsed = System.nanoTime() - start;
        cpu.stop();
        a.close();
        hub.close();
        return new Result(objects / (elapsed / 1e9), cpu.microsPer(objects), cpu.sysShare, cpu.gcMicrosPer(objects),
                Double.NaN, Double.NaN, Double.NaN);
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

    // ------------------------------------------------------------------------------------------ raw Netty + Jackson

    private static AddScribe message(long seq, String objectId, String title) {
        Data data = new Data();
        data.id = objectId;
        data.title = title;
        Change change = new Change();
        change.id = Long.toString(seq);
        change.klass = "Item";
        change.type = "create";
        change.data = data;
        change.origin = "a";
        // A hybrid clock like Scribe's: wall milliseconds << 16 plus a counter.
        change.clock = (System.currentTimeMillis() << 16) | (seq & 0xffff);
        AddScribe message = new AddScribe();
        message.scribe = change;
        return message;
    }

    /** The receiver: decodes each message, keeps it by object id, answers with an ack. One per connection. */
    static final class RawReceiver extends ChannelInboundHandlerAdapter {
        private final Map<String, JsonNode> store = new HashMap<>();
        private final AtomicReference<CountDownLatch> stored;

        RawReceiver(AtomicReference<CountDownLatch> stored) {
            this.stored = stored;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            JsonNode message = readFrame(msg);
            if (!"add_scribe".equals(message.path("type").asText())) {
                throw new IllegalStateException("unexpected " + message);
            }
            JsonNode scribe = message.get("scribe");
            store.put(scribe.get("data").get("id").asText(), scribe);
            CountDownLatch latch = stored.get();
            if (latch != null) {
                latch.countDown();
            }
            ObjectNode ack = MAPPER.createObjectNode();
            ack.put("type", "ack");
            ack.put("up_to", scribe.get("id").asText());
            ctx.write(Unpooled.wrappedBuffer(MAPPER.writeValueAsBytes(ack)), ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    /** The sender's connection: queued frames are written by one task on the event loop and flushed once. */
    static final class RawSender extends ChannelInboundHandlerAdapter {
        private final Queue<byte[]> queue = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final int window;
        private final int resumeAt;
        private final AtomicInteger inFlight = new AtomicInteger();
        private volatile Thread waiting;
        private final AtomicLong acked = new AtomicLong();
        private volatile long target;
        private volatile CountDownLatch done;
        private volatile String lastAck;
        private Channel channel;

        /**
         * At most {@code window} messages unacknowledged; once full, the sender waits until {@code resumeAt} are left
         * (half the window, as Scribe's pusher refills; or {@code window - 1} to resume on every ack).
         */
        RawSender(int window, int resumeAt) {
            this.window = window;
            this.resumeAt = resumeAt;
        }

        void expect(long total, CountDownLatch latch) {
            target = total;
            done = latch;
        }

        void send(byte[] json) {
            if (inFlight.get() >= window) {
                waiting = Thread.currentThread();
                while (inFlight.get() > resumeAt) {
                    LockSupport.park(this);
                }
                waiting = null;
            }
            inFlight.incrementAndGet();
            queue.add(json);
            if (scheduled.compareAndSet(false, true)) {
                channel.eventLoop().execute(this::drain);
            }
        }

        private void drain() {
            scheduled.set(false);
            byte[] json;
            int written = 0;
            while ((json = queue.poll()) != null) {
                channel.write(Unpooled.wrappedBuffer(json), channel.voidPromise());
                written++;
            }
            if (written > 0) {
                channel.flush();
            }
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) throws Exception {
            channel = ctx.channel();
            super.channelActive(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            JsonNode ack = readFrame(msg);
            if (!"ack".equals(ack.path("type").asText())) {
                throw new IllegalStateException("unexpected " + ack);
            }
            lastAck = ack.get("up_to").asText();
            int left = inFlight.decrementAndGet();
            Thread sender = waiting; // read after the decrement: a sender that parks re-reads inFlight after waiting
            if (left <= resumeAt && sender != null) {
                LockSupport.unpark(sender);
            }
            if (acked.incrementAndGet() == target) {
                done.countDown();
            }
        }
    }

    private static ChannelInitializer<SocketChannel> framed(
            java.util.function.Supplier<ChannelInboundHandlerAdapter> h) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(16 << 20, 0, 4, 0, 4),
                        new LengthFieldPrepender(4), h.get());
            }
        };
    }

    private static Result rawJackson(int objects, int samples, String title, String prefix, int window)
            throws Exception {
        // One event loop for the server (accept and the connection, like the hub's single worker), one for the client.
        EventLoopGroup serverGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("raw-server", true));
        EventLoopGroup clientGroup = new NioEventLoopGroup(1, new DefaultThreadFactory("raw-client", true));
        AtomicReference<CountDownLatch> stored = new AtomicReference<>();
        RawSender sender = new RawSender(window, RAW_RESUME_ON_EACH_ACK ? window - 1 : window / 2);
        try {
            Channel server = new ServerBootstrap().group(serverGroup).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(framed(() -> new RawReceiver(stored)))
                    .bind("127.0.0.1", 0).sync().channel();
            Channel client = new Bootstrap().group(clientGroup).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(framed(() -> sender))
                    .connect(server.localAddress()).sync().channel();
            while (sender.channel == null) {
                Thread.onSpinWait();
            }
            long seq = 0;
            CountDownLatch done = new CountDownLatch(1);
            sender.expect(objects, done);
            Cpu cpu = new Cpu();
            long start = System.nanoTime();
            for (int i = 0; i < objects; i++) {
                sender.send(ADD_WRITER.writeValueAsBytes(message(++seq, prefix + i, title)));
            }
            await(done);
            long elapsed = System.nanoTime() - start;
            cpu.stop();
            if (!Long.toString(seq).equals(sender.lastAck)) {
                throw new IllegalStateException("last ack " + sender.lastAck + ", expected " + seq);
            }
            long[] rtt = new long[samples];
            long[] oneWay = new long[samples];
            for (int i = 0; i < samples; i++) {
                CountDownLatch ackLatch = new CountDownLatch(1);
                CountDownLatch storedLatch = new CountDownLatch(1);
                sender.expect(objects + i + 1, ackLatch);
                stored.set(storedLatch);
                long t0 = System.nanoTime();
                sender.send(ADD_WRITER.writeValueAsBytes(message(++seq, prefix + "l" + i, title)));
                await(storedLatch);
                oneWay[i] = System.nanoTime() - t0;
                await(ackLatch);
                rtt[i] = System.nanoTime() - t0;
            }
            client.close().sync();
            server.close().sync();
            return new Result(objects / (elapsed / 1e9), cpu.microsPer(objects), cpu.sysShare,
                    cpu.gcMicrosPer(objects), percentile(rtt, 0.5), percentile(rtt, 0.99), percentile(oneWay, 0.5));
        } finally {
            clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * The raw arm's Jackson and map work alone, on one thread, without a network: encode the message, decode it,
     * keep it by object id, encode the ack, decode the ack. Throughput and CPU only.
     */
    private static Result jacksonOnly(int objects, String title, String prefix) throws Exception {
        Map<String, JsonNode> store = new HashMap<>();
        long seq = 0;
        Cpu cpu = new Cpu();
        long start = System.nanoTime();
        for (int i = 0; i < objects; i++) {
            byte[] bytes = ADD_WRITER.writeValueAsBytes(message(++seq, prefix + i, title));
            JsonNode scribe = MAPPER.readTree(bytes).get("scribe");
            store.put(scribe.get("data").get("id").asText(), scribe);
            ObjectNode ack = MAPPER.createObjectNode();
            ack.put("type", "ack");
            ack.put("up_to", scribe.get("id").asText());
            if (!MAPPER.readTree(MAPPER.writeValueAsBytes(ack)).get("up_to").asText().equals(Long.toString(seq))) {
                throw new IllegalStateException("ack");
            }
        }
        long elapsed = System.nanoTime() - start;
        cpu.stop();
        return new Result(objects / (elapsed / 1e9), cpu.microsPer(objects), cpu.sysShare, cpu.gcMicrosPer(objects),
                Double.NaN, Double.NaN, Double.NaN);
    }

    // ------------------------------------------------------------------------------------------------- raw echo

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
            Cpu cpu = new Cpu();
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
            long elapsed = System.nanoTime() - start;
            cpu.stop();
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
            return new Result(frames / (elapsed / 1e9), cpu.microsPer(frames), cpu.sysShare, cpu.gcMicrosPer(frames),
                    percentile(rtt, 0.5), percentile(rtt, 0.99), Double.NaN);
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
