package io.scribe.benchmarks;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.store.file.FileStore;
import io.scribe.store.postgres.PostgresStore;
import io.scribe.store.redis.RedisStore;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import redis.clients.jedis.JedisPooled;

/**
 * Log and store size under a steady update load, with and without compaction, on each durable store; and a late
 * joiner's catch-up afterwards (a snapshot after compaction, the whole log without).
 *
 * <p>Per store and configuration, in one JVM: a fresh store (its own PostgreSQL schema, Redis key prefix or file
 * directory) under a hub {@link Scriber} served over TCP on loopback ({@link ScribeServer}), and two
 * {@link ScribeClient}s on in-memory stores. Each client creates half of {@code objects} objects, then updates its
 * own objects round-robin as fast as it can ({@code updates / 2} updates each, pushed through the default window);
 * the hub applies, stores and relays each update to the other client. With compaction the hub is built with
 * {@code compaction(every, 10 min)} ({@code every} = {@code -Dbench.compactEveryMs}, default 1000 ms). Every
 * {@code -Dbench.sampleMs} (default 1000) a sampler notes the updates the hub applied, the scribes in the hub's log
 * ({@code lastId} minus the compacted position) and the store's size: PostgreSQL {@code pg_total_relation_size} of
 * the schema's tables (and of {@code log} alone, with its dead tuples), Redis {@code MEMORY USAGE ... SAMPLES 0} of
 * the prefix's keys (and {@code HLEN} of the log), the file store's directory as allocated on disk ({@code du}) and
 * as the files' apparent sizes (Chronicle Map files are sparse).
 *
 * <p>One warm-up run (the first store, no compaction, a tenth of the updates) is not reported; then each store runs
 * both configurations back to back, off first for the first and third store, on first for the second.
 *
 * <p>Throughput = updates the hub applied per second, from the first update to the last applied. Late joiner: once
 * both clients hold every update (and, with compaction, after one more {@link Scriber#compact()}), a third client
 * on an in-memory store connects through a relay counting the bytes of both directions; time = from its start to
 * the end of its first catch-up ({@link ScribeClient#awaitSession}) with every object equal to the hub's.
 *
 * <p>Run (JDK 17, the file store's flags): {@code java --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
 * --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
 * -Dchronicle.analytics.disable=true -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.CompactionBenchmark
 * [objects=1000] [updates=50000] [stores=postgres,file,redis]}; {@code -Dbench.modes=on} runs only the configuration
 * with compaction ({@code off} only the other), {@code -Dbench.noWarmup=true} skips the warm-up,
 * {@code -Dbench.rate=R} paces the two clients to R updates per second in all (default 0: as fast as they can),
 * {@code -Dbench.pgVacuum=true} runs {@code VACUUM} on the PostgreSQL store's tables before each sample (for a server
 * whose autovacuum is off, as on the machine of the figures in docs/BENCHMARKS.md).
 */
public final class CompactionBenchmark {

    private static final String REDIS = System.getenv().getOrDefault("SCRIBE_TEST_REDIS_URL",
            "redis://127.0.0.1:6379/0");
    private static final String JDBC = System.getenv().getOrDefault("SCRIBE_BENCH_JDBC_URL",
            "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
    private static final long COMPACT_EVERY_MS = Long.getLong("bench.compactEveryMs", 1000);
    private static final long SAMPLE_MS = Long.getLong("bench.sampleMs", 1000);
    private static final List<String> MODES = List.of(System.getProperty("bench.modes", "off,on").split(","));
    private static final double RATE = Double.parseDouble(System.getProperty("bench.rate", "0"));
    private static final String TITLE = "x".repeat(100);

    @Synced(value = "Item", explicit = true)
    static final class Item {
        @SyncId
        String id;
        long n;
        String title;
    }

    record Sample(double seconds, long applied, long logScribes, long bytes, String detail) {}

    record Result(String store, boolean compacting, double perSecond, List<Sample> samples, long logBeforeJoin,
            double joinMillis, long joinBytes) {}

    public static void main(String[] args) throws Exception {
        int objects = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int updates = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        String[] stores = (args.length > 2 ? args[2] : "postgres,file,redis").split(",");
        System.out.printf("objects=%d updates=%d compactEvery=%dms sample=%dms rate=%s pgVacuum=%s%n", objects,
                updates, COMPACT_EVERY_MS, SAMPLE_MS, RATE > 0 ? RATE + "/s" : "unpaced",
                Boolean.getBoolean("bench.pgVacuum"));
        // Warm-up (not reported): the first store without compaction, a tenth of the load.
        if (!Boolean.getBoolean("bench.noWarmup")) {
            run(stores[0], false, objects, Math.max(1000, updates / 10));
        }
        List<Result> results = new ArrayList<>();
        for (int si = 0; si < stores.length; si++) {
            String kind = stores[si];
            // The order alternates between stores: off then on, on then off, ...
            for (boolean compacting : si % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false}) {
                if (!MODES.contains(compacting ? "on" : "off")) {
                    continue;
                }
                Result r = run(kind, compacting, objects, updates);
                results.add(r);
                System.out.printf("%s %s: %.0f updates/s; log before the late joiner %d scribes; late joiner "
                        + "%.0f ms, %,d bytes%n", kind, compacting ? "compaction" : "no compaction", r.perSecond,
                        r.logBeforeJoin, r.joinMillis, r.joinBytes);
            }
        }
        System.out.println();
        System.out.println("| store | compaction | updates/s | log scribes (peak, end) | size at 20/40/60/80/100 %"
                + " of updates | late joiner: log | time | bytes |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (Result r : results) {
            long peak = r.samples.stream().mapToLong(Sample::logScribes).max().orElse(0);
            long end = r.samples.isEmpty() ? 0 : r.samples.get(r.samples.size() - 1).logScribes;
            StringBuilder sizes = new StringBuilder();
            for (int q = 1; q <= 5; q++) {
                long at = (long) updates * q / 5;
                Sample s = r.samples.stream().filter(x -> x.applied >= at).findFirst()
                        .orElse(r.samples.get(r.samples.size() - 1));
                sizes.append(q > 1 ? " / " : "").append(human(s.bytes));
            }
            System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %,d, %,d | %s | %,d | %,.0f ms | %,d B |%n", r.store,
                    r.compacting ? "every " + COMPACT_EVERY_MS + " ms" : "off", r.perSecond, peak, end, sizes,
                    r.logBeforeJoin, r.joinMillis, r.joinBytes);
        }
    }

    static String human(long bytes) {
        return bytes >= 1 << 20 ? String.format(Locale.ROOT, "%.1f MB", bytes / 1048576.0)
                : String.format(Locale.ROOT, "%.0f kB", bytes / 1024.0);
    }

    /** A store under test, and how to measure it. */
    interface Subject extends AutoCloseable {
        Store store();

        /** Bytes of the store, and a detail line. */
        Object[] size() throws Exception;

        /** Before each sample: what an operator's routine maintenance would do (-Dbench.pgVacuum: VACUUM). */
        default void maintain() throws Exception {}
    }

    static Subject subject(String kind) throws Exception {
        String tag = "compaction_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        switch (kind) {
            case "postgres": {
                PostgresStore store = PostgresStore.connect(
                        "postgresql://127.0.0.1:5432/postgres?user=postgres&schema=" + tag);
                Connection c = DriverManager.getConnection(JDBC);
                return new Subject() {
                    @Override
                    public Store store() {
                        return store;
                    }

                    @Override
                    public void maintain() throws Exception {
                        if (Boolean.getBoolean("bench.pgVacuum")) {
                            try (Statement st = c.createStatement()) {
                                st.execute("VACUUM " + tag + ".log, " + tag + ".objects, " + tag + ".cursors");
                            }
                        }
                    }

                    @Override
                    public Object[] size() throws Exception {
                        try (PreparedStatement ps = c.prepareStatement("SELECT"
                                + " (SELECT sum(pg_total_relation_size(t.oid)) FROM pg_class t JOIN pg_namespace n"
                                + "  ON n.oid = t.relnamespace WHERE n.nspname = ? AND t.relkind = 'r'),"
                                + " pg_total_relation_size(? || '.log'),"
                                + " (SELECT n_live_tup FROM pg_stat_user_tables WHERE schemaname = ? AND relname = 'log'),"
                                + " (SELECT n_dead_tup FROM pg_stat_user_tables WHERE schemaname = ? AND relname = 'log'),"
                                + " (SELECT autovacuum_count FROM pg_stat_user_tables WHERE schemaname = ?"
                                + "  AND relname = 'log')")) {
                            for (int i = 1; i <= 5; i++) {
                                ps.setString(i, tag);
                            }
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                return new Object[] {rs.getLong(1), String.format(Locale.ROOT,
                                        "log table %s, live %d dead %d tuples, autovacuums %d", human(rs.getLong(2)),
                                        rs.getLong(3), rs.getLong(4), rs.getLong(5))};
                            }
                        }
                    }

                    @Override
                    public void close() throws Exception {
                        store.close();
                        try (Statement st = c.createStatement()) {
                            st.execute("DROP SCHEMA " + tag + " CASCADE");
                        }
                        c.close();
                    }
                };
            }
            case "file": {
                Path dir = Files.createTempDirectory("compaction-bench").resolve("store");
                FileStore store = FileStore.open(dir);
                return new Subject() {
                    @Override
                    public Store store() {
                        return store;
                    }

                    @Override
                    public Object[] size() throws Exception {
                        long apparent;
                        try (Stream<Path> files = Files.walk(dir)) {
                            apparent = files.filter(Files::isRegularFile).mapToLong(p -> {
                                try {
                                    return Files.size(p);
                                } catch (IOException e) {
                                    return 0;
                                }
                            }).sum();
                        }
                        Process du = new ProcessBuilder("du", "-sB1", dir.toString()).redirectErrorStream(true)
                                .start();
                        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                        du.waitFor();
                        long allocated = Long.parseLong(out.split("\\s+")[0]);
                        return new Object[] {allocated, "apparent " + human(apparent)};
                    }

                    @Override
                    public void close() throws Exception {
                        store.close();
                        TempDirs.delete(dir.getParent());
                    }
                };
            }
            case "redis": {
                RedisStore store = RedisStore.connect(REDIS + "?prefix=" + tag);
                JedisPooled redis = new JedisPooled(java.net.URI.create(REDIS));
                List<String> keys = List.of("meta", "seq", "log", "objects", "cursors");
                return new Subject() {
                    @Override
                    public Store store() {
                        return store;
                    }

                    @Override
                    public Object[] size() {
                        long total = 0;
                        long logBytes = 0;
                        for (String k : keys) {
                            Long m = redis.memoryUsage(tag + ":" + k, 0);
                            total += m == null ? 0 : m;
                            if (k.equals("log")) {
                                logBytes = m == null ? 0 : m;
                            }
                        }
                        return new Object[] {total, "log key " + human(logBytes) + ", HLEN "
                                + redis.hlen(tag + ":log")};
                    }

                    @Override
                    public void close() {
                        store.close();
                        for (String k : keys) {
                            redis.del(tag + ":" + k);
                        }
                        redis.close();
                    }
                };
            }
            default:
                throw new IllegalArgumentException(kind);
        }
    }

    /** Scribes in the store's log: its last id minus the position compaction removed up to. */
    static long logScribes(Store store) {
        long compacted = store.cursor("~compacted").map(t -> {
            int semi = t.indexOf(';');
            return Long.parseLong(semi < 0 ? t : t.substring(0, semi));
        }).orElse(0L);
        return store.lastId() - compacted;
    }

    static Result run(String kind, boolean compacting, int objects, int updates) throws Exception {
        try (Subject subject = subject(kind)) {
            Scriber.Builder hb = Scriber.builder().clientId("server").store(subject.store()).register(Item.class);
            if (compacting) {
                hb.compaction(Duration.ofMillis(COMPACT_EVERY_MS), Duration.ofMinutes(10));
            }
            Scriber hub = hb.build();
            AtomicLong applied = new AtomicLong();
            hub.listen(Item.class, change -> {
                if (change.type() == Scribe.Type.UPDATE) {
                    applied.incrementAndGet();
                }
            });
            ScribeServer server = ScribeServer.builder(hub).workerThreads(1).tcp(0).start();
            int port = server.tcpAddress().getPort();
            List<Scriber> peers = new ArrayList<>();
            List<ScribeClient> links = new ArrayList<>();
            try {
                for (int k = 0; k < 2; k++) {
                    Scriber p = Scriber.builder().clientId("c" + k + "-" + UUID.randomUUID()).store(Store.inMemory())
                            .register(Item.class).build();
                    peers.add(p);
                    ScribeClient link = ScribeClient.tcp(p, "127.0.0.1", port).start();
                    link.awaitSession(Duration.ofSeconds(30));
                    links.add(link);
                }
                List<List<Item>> own = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    List<Item> mine = new ArrayList<>();
                    for (int i = k; i < objects; i += 2) {
                        Item item = new Item();
                        item.id = "o" + i;
                        item.title = TITLE;
                        mine.add(peers.get(k).create(item));
                    }
                    own.add(mine);
                }
                awaitConverged(hub, peers, objects, Duration.ofMinutes(2));
                List<Sample> samples = new ArrayList<>();
                long start = System.nanoTime();
                List<Thread> threads = new ArrayList<>();
                for (int k = 0; k < 2; k++) {
                    Scriber p = peers.get(k);
                    List<Item> mine = own.get(k);
                    int count = updates / 2 + (k < updates % 2 ? 1 : 0);
                    Thread t = new Thread(() -> {
                        long began = System.nanoTime();
                        for (int j = 0; j < count; j++) {
                            if (RATE > 0) {
                                // Paced: this client's half of the rate, j updates due by now.
                                long due = began + (long) (j * 2e9 / RATE);
                                long ahead = due - System.nanoTime();
                                if (ahead > 0) {
                                    java.util.concurrent.locks.LockSupport.parkNanos(ahead);
                                }
                            }
                            Item item = mine.get(j % mine.size());
                            item.n = j + 1;
                            p.save(item);
                        }
                    }, "updater-" + k);
                    threads.add(t);
                    t.start();
                }
                long next = start;
                double perSecond = 0;
                while (true) {
                    subject.maintain();
                    long a = applied.get();
                    Object[] size = subject.size();
                    double s = (System.nanoTime() - start) / 1e9;
                    Sample sample = new Sample(s, a, logScribes(subject.store()), (Long) size[0], (String) size[1]);
                    samples.add(sample);
                    System.out.printf(Locale.ROOT, "  %s %s t=%5.1fs applied %6d log %6d scribes size %s (%s)%n",
                            kind, compacting ? "on " : "off", s, a, sample.logScribes, human(sample.bytes),
                            sample.detail);
                    if (a >= updates) {
                        if (perSecond == 0) {
                            perSecond = updates / s; // refined below from the listener's own time
                        }
                        break;
                    }
                    next += SAMPLE_MS * 1_000_000;
                    long wait = next - System.nanoTime();
                    while (wait > 0 && applied.get() < updates) {
                        Thread.sleep(Math.min(5, wait / 1_000_000 + 1));
                        wait = next - System.nanoTime();
                    }
                    if (applied.get() >= updates && perSecond == 0) {
                        perSecond = updates / ((System.nanoTime() - start) / 1e9);
                    }
                }
                for (Thread t : threads) {
                    t.join();
                }
                awaitConverged(hub, peers, objects, Duration.ofMinutes(2));
                if (compacting) {
                    hub.compact();
                    Thread.sleep(200);
                    hub.compact();
                }
                subject.maintain();
                long logBeforeJoin = logScribes(subject.store());
                Object[] size = subject.size();
                double s = (System.nanoTime() - start) / 1e9;
                samples.add(new Sample(s, applied.get(), logBeforeJoin, (Long) size[0], (String) size[1]));
                System.out.printf(Locale.ROOT, "  %s %s settled t=%5.1fs log %6d scribes size %s (%s)%n", kind,
                        compacting ? "on " : "off", s, logBeforeJoin, human((Long) size[0]), size[1]);
                double[] join = lateJoiner(hub, port, objects);
                return new Result(kind, compacting, perSecond, samples, logBeforeJoin, join[0], (long) join[1]);
            } finally {
                for (ScribeClient l : links) {
                    l.close();
                }
                server.close();
                for (Scriber p : peers) {
                    p.close();
                }
                hub.close();
            }
        }
    }

    static Map<String, Long> values(Scriber s) {
        Map<String, Long> m = new HashMap<>();
        for (Item i : s.all(Item.class)) {
            m.put(i.id, i.n);
        }
        return m;
    }

    static void awaitConverged(Scriber hub, List<Scriber> peers, int objects, Duration timeout) throws Exception {
        long until = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<String, Long> h = values(hub);
            boolean ok = h.size() == objects;
            for (Scriber p : peers) {
                ok &= values(p).equals(h);
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > until) {
                throw new IllegalStateException("peers did not converge with the hub");
            }
            Thread.sleep(20);
        }
    }

    /** A new client catching up through a byte-counting relay: {millis, bytes}. */
    static double[] lateJoiner(Scriber hub, int port, int objects) throws Exception {
        Scriber late = Scriber.builder().clientId("late-" + UUID.randomUUID()).store(Store.inMemory())
                .register(Item.class).build();
        try (CompressionBenchmark.Relay relay = new CompressionBenchmark.Relay(port)) {
            long start = System.nanoTime();
            ScribeClient link = ScribeClient.tcp(late, "127.0.0.1", relay.port()).start();
            try {
                link.awaitSession(Duration.ofMinutes(5));
                awaitConverged(hub, List.of(late), objects, Duration.ofMinutes(2));
                double millis = (System.nanoTime() - start) / 1e6;
                Thread.sleep(200); // the last acknowledgements
                return new double[] {millis, relay.bytes()};
            } finally {
                link.close();
            }
        } finally {
            late.close();
        }
    }
}
