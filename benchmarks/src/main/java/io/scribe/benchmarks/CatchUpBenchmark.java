package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.GarbageCollectionNotificationInfo;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import io.scribe.store.file.FileStore;
import io.scribe.store.postgres.PostgresStore;
import io.scribe.store.redis.RedisStore;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
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
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;
import net.openhft.chronicle.map.ChronicleMap;
import redis.clients.jedis.JedisPooled;

/**
 * A new peer's catch-up of a large log over TCP, end to end, against the store's own page scan of the same log, on
 * each durable store (file = Chronicle Map, Redis, PostgreSQL).
 *
 * <p>Per store, in one JVM: a fresh store (its own PostgreSQL schema, dropped after; its own Redis key prefix, deleted
 * after; a temporary file-store directory, deleted after) is filled with {@code scribes} scribes: {@code scribes / 10}
 * small objects ({@code Item}: id, a counter, a 24-character title) created, then updated round-robin (the counter)
 * until the log holds {@code scribes} scribes. The fill records through a {@link Scriber} (client id {@code hub}, so
 * the log is the hub's own history) whose commits are gathered and written to the store in commits of
 * {@code -Dbench.fillBatch} scribes (default 5,000) with the objects' latest states; it is not measured. Then a hub
 * {@link Scriber} opens the store and is served over TCP on loopback ({@link ScribeServer}, one worker thread), and
 * each round runs, one after the other:
 * <ul>
 *   <li><b>raw</b>: the store's native client reads the whole log page by page and parses each scribe's JSON with
 *       Jackson ({@code readTree}): PostgreSQL, JDBC {@code SELECT id, scribe FROM log WHERE id > ? ORDER BY id LIMIT
 *       page} (keyset pages); Redis, Jedis {@code HMGET P:log} of each page's ids (the length read once from
 *       {@code P:seq}); file, a second Chronicle Map handle on the store's {@code log.cm}, {@code get(id)} for each id
 *       (the file store's own {@code readAfter} page loop with {@code -Dbench.fileRaw=readAfter}). Page =
 *       {@code -Dbench.page}, default 500, the hub's catch-up page size.
 *   <li><b>Scribe</b>: a new peer (in-memory store, a client id never seen) connects with a {@link ScribeClient} and
 *       catches up; time = from {@code start()} until its first catch-up has read to the end ({@code awaitSession})
 *       and it holds every object. Its objects are then checked against the fill's last values (not timed). During
 *       the catch-up the heap in use is sampled ({@code MemoryMXBean}, every {@code -Dbench.sampleMs}, default 5 ms)
 *       and every garbage collection reports the heap just before and just after it (GC notifications); once caught
 *       up, the heap retained after full GCs (the lowest of three {@code System.gc()}). The heap before the peer
 *       connects (the hub alone, after full GCs) is printed too.
 * </ul>
 * Ratio = raw time / Scribe time (1 = Scribe as fast as the bare scan; the goal is at least 0.5). Peak / retained =
 * the highest heap in use during the catch-up (sampled or just before a GC) over the heap retained once caught up;
 * both include the hub. Also printed: the JVM's CPU time per scribe of each side (every thread of the process: on the
 * Scribe side the hub, the peer and the collector; PostgreSQL's and Redis's own CPU is not counted on either side).
 *
 * <p>Run (JDK 17, the file store's flags): {@code java --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
 * --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
 * -Dchronicle.analytics.disable=true -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.CatchUpBenchmark
 * [scribes=1000000] [rounds=3] [stores=file,redis,pg]}. Needs the Redis and PostgreSQL of the test setup
 * (127.0.0.1, or SCRIBE_TEST_REDIS_URL / SCRIBE_BENCH_JDBC_URL).
 */
public final class CatchUpBenchmark {

    private static final String REDIS = System.getenv().getOrDefault("SCRIBE_TEST_REDIS_URL",
            "redis://127.0.0.1:6379/0");
    private static final String JDBC = System.getenv().getOrDefault("SCRIBE_BENCH_JDBC_URL",
            "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
    private static final String PG = "postgresql://127.0.0.1:5432/postgres?user=postgres";
    private static final int PAGE = Integer.getInteger("bench.page", 500);
    private static final int FILL_BATCH = Integer.getInteger("bench.fillBatch", 5000);
    private static final long SAMPLE_MS = Long.getLong("bench.sampleMs", 5);
    private static final boolean FILE_RAW_READ_AFTER = "readAfter".equals(System.getProperty("bench.fileRaw"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @Synced(value = "Item", explicit = true)
    static final class Item {
        @SyncId
        String id;
        long n;
        String title;
    }

    /** One round's figures: times in ms, heap in bytes. */
    record Round(double rawMs, double scribeMs, double rawCpuMs, double scribeCpuMs, long base, long peak,
            long peakAfterGc, long retained, int gcs) {
        double ratio() {
            return rawMs / scribeMs;
        }
    }

    public static void main(String[] args) throws Exception {
        int scribes = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String[] stores = (args.length > 2 ? args[2] : "file,redis,pg").split(",");
        System.out.printf(Locale.ROOT, "scribes=%,d objects=%,d rounds=%d page=%d fillBatch=%d max heap=%d MB%n",
                scribes, objects(scribes), rounds, PAGE, FILL_BATCH,
                Runtime.getRuntime().maxMemory() >> 20);
        Map<String, List<Round>> results = new LinkedHashMap<>();
        Map<String, String> rawKinds = new LinkedHashMap<>();
        boolean warmUp = !Boolean.getBoolean("bench.noWarmup");
        for (String kind : stores) {
            try (Subject subject = subject(kind.trim())) {
                rawKinds.put(subject.name(), subject.rawKind());
                results.put(subject.name(), run(subject, scribes, rounds, warmUp));
                warmUp = false;
            }
        }
        System.out.println();
        System.out.println("| store | raw scan | rounds: raw ms / Scribe ms (ratio) | ratio median (min-max)"
                + " | Scribe scribes/s (median) | JVM CPU us/scribe raw / Scribe (median)"
                + " | heap MB: hub alone / peak / retained (median) | peak / retained (median)"
                + " | highest after a GC / retained |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Map.Entry<String, List<Round>> e : results.entrySet()) {
            List<Round> rs = e.getValue();
            StringBuilder per = new StringBuilder();
            for (Round r : rs) {
                per.append(per.length() > 0 ? "; " : "").append(String.format(Locale.ROOT, "%,.0f / %,.0f (%.2f)",
                        r.rawMs, r.scribeMs, r.ratio()));
            }
            double[] ratios = rs.stream().mapToDouble(Round::ratio).sorted().toArray();
            double scribeMs = Stats.median(rs.stream().mapToDouble(Round::scribeMs).toArray());
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %.2f (%.2f-%.2f) | %,.0f | %.1f / %.1f | %,.0f / %,.0f /"
                    + " %,.0f | %.2f | %.2f |%n", e.getKey(), rawKinds.get(e.getKey()), per, Stats.median(ratios),
                    ratios[0], ratios[ratios.length - 1], scribes / (scribeMs / 1000),
                    Stats.median(rs.stream().mapToDouble(Round::rawCpuMs).toArray()) * 1000 / scribes,
                    Stats.median(rs.stream().mapToDouble(Round::scribeCpuMs).toArray()) * 1000 / scribes,
                    Stats.median(rs.stream().mapToDouble(r -> r.base).toArray()) / 1048576,
                    Stats.median(rs.stream().mapToDouble(r -> r.peak).toArray()) / 1048576,
                    Stats.median(rs.stream().mapToDouble(r -> r.retained).toArray()) / 1048576,
                    Stats.median(rs.stream().mapToDouble(r -> (double) r.peak / r.retained).toArray()),
                    Stats.median(rs.stream().mapToDouble(r -> (double) r.peakAfterGc / r.retained).toArray()));
        }
    }

    static int objects(int scribes) {
        return Math.max(1, scribes / 10);
    }

    static List<Round> run(Subject subject, int scribes, int rounds, boolean warmUp) throws Exception {
        int objects = objects(scribes);
        long t0 = System.nanoTime();
        long[] expected = fill(subject.store(), scribes);
        subject.settle();
        System.out.printf(Locale.ROOT, "%s: filled %,d scribes (%,d objects) in %.1f s%n", subject.name(),
                subject.store().lastId(), objects, (System.nanoTime() - t0) / 1e9);
        List<Round> results = new ArrayList<>();
        t0 = System.nanoTime();
        Scriber hub = Scriber.builder().clientId("hub").store(subject.store()).register(Item.class)
                .newPeerSnapshot(Integer.getInteger("bench.newPeerSnapshot", 0)).build();
        ScribeServer server = ScribeServer.builder(hub).workerThreads(1).tcp(0).start();
        System.out.printf(Locale.ROOT, "%s: hub started in %.1f s%n", subject.name(),
                (System.nanoTime() - t0) / 1e9);
        try {
            int port = server.tcpAddress().getPort();
            for (int r = warmUp ? 0 : 1; r <= rounds; r++) {
                long cpu = Stats.cpuNanos();
                long start = System.nanoTime();
                long[] read = subject.rawScan(scribes);
                double rawMs = (System.nanoTime() - start) / 1e6;
                double rawCpuMs = (Stats.cpuNanos() - cpu) / 1e6;
                if (read[0] != scribes) {
                    throw new IllegalStateException("raw scan read " + read[0] + " of " + scribes + " scribes");
                }
                Round round = catchUp(hub, port, objects, expected, rawMs, rawCpuMs);
                if (r > 0) {
                    results.add(round);
                }
                System.out.printf(Locale.ROOT, "%s round %s: raw %,.0f ms (%,.0f scribes/s, JVM CPU %.1f us/scribe),"
                        + " Scribe %,.0f ms (%,.0f scribes/s, JVM CPU %.1f us/scribe), ratio %.2f; heap hub alone"
                        + " %,.0f MB, peak %,.0f MB (highest after a GC %,.0f MB, %d GCs), retained %,.0f MB,"
                        + " peak/retained %.2f%n", subject.name(),
                        r == 0 ? "0 (warm-up)" : Integer.toString(r), rawMs, scribes / (rawMs / 1000),
                        rawCpuMs * 1000 / scribes, round.scribeMs, scribes / (round.scribeMs / 1000),
                        round.scribeCpuMs * 1000 / scribes, round.ratio(),
                        round.base / 1048576.0, round.peak / 1048576.0, round.peakAfterGc / 1048576.0, round.gcs,
                        round.retained / 1048576.0, (double) round.peak / round.retained);
            }
        } finally {
            server.close();
            hub.close();
        }
        return results;
    }

    /** One new peer's catch-up from the hub, timed, with the heap watched meanwhile. */
    static Round catchUp(Scriber hub, int port, int objects, long[] expected, double rawMs, double rawCpuMs)
            throws Exception {
        String id = "peer-" + UUID.randomUUID();
        Scriber peer = Scriber.builder().clientId(id).store(Store.inMemory()).register(Item.class).build();
        ScribeClient link = null;
        try {
            long base = Stats.usedAfterGc(3);
            HeapWatch watch = new HeapWatch();
            long cpu = Stats.cpuNanos();
            long start = System.nanoTime();
            double millis;
            double cpuMs;
            try {
                link = ScribeClient.tcp(peer, "127.0.0.1", port).start();
                link.awaitSession(Duration.ofMinutes(30));
                while (peer.all(Item.class).size() < objects) {
                    Thread.sleep(1);
                }
                millis = (System.nanoTime() - start) / 1e6;
                cpuMs = (Stats.cpuNanos() - cpu) / 1e6;
            } finally {
                watch.close();
            }
            long retained = Stats.usedAfterGc(3);
            List<Item> held = peer.all(Item.class);
            if (held.size() != objects) {
                throw new IllegalStateException("the peer holds " + held.size() + " objects of " + objects);
            }
            for (Item item : held) {
                int i = Integer.parseInt(item.id.substring(1));
                if (item.n != expected[i] || !item.title.equals(title(i))) {
                    throw new IllegalStateException("the peer holds " + item.id + " = " + item.n + ", not "
                            + expected[i]);
                }
            }
            return new Round(rawMs, millis, rawCpuMs, cpuMs, base, watch.peak(), watch.peakAfterGc(), retained,
                    watch.gcs());
        } finally {
            if (link != null) {
                link.close();
            }
            peer.close();
            hub.forgetClient(id);
        }
    }

    /** Samples the heap in use and hears every garbage collection until closed. */
    static final class HeapWatch implements AutoCloseable {
        private final AtomicLong peak = new AtomicLong();
        private final AtomicLong peakAfterGc = new AtomicLong();
        private final AtomicLong gcs = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler;
        private final List<NotificationEmitter> emitters = new ArrayList<>();
        private final NotificationListener listener = (notification, handback) -> {
            if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) {
                return;
            }
            var info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData()).getGcInfo();
            peak.accumulateAndGet(heapOf(info.getMemoryUsageBeforeGc()), Math::max);
            peakAfterGc.accumulateAndGet(heapOf(info.getMemoryUsageAfterGc()), Math::max);
            gcs.incrementAndGet();
        };

        HeapWatch() {
            for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                if (gc instanceof NotificationEmitter emitter) {
                    emitter.addNotificationListener(listener, null, null);
                    emitters.add(emitter);
                }
            }
            var memory = ManagementFactory.getMemoryMXBean();
            sampler = new Thread(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(SAMPLE_MS);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "heap-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        /** The heap pools' sum (non-heap pools such as Metaspace and the code cache left out). */
        private static long heapOf(Map<String, MemoryUsage> pools) {
            long sum = 0;
            for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                    MemoryUsage u = pools.get(pool.getName());
                    sum += u == null ? 0 : u.getUsed();
                }
            }
            return sum;
        }

        long peak() {
            return peak.get();
        }

        long peakAfterGc() {
            return peakAfterGc.get();
        }

        int gcs() {
            return (int) gcs.get();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            sampler.join();
            for (NotificationEmitter e : emitters) {
                e.removeNotificationListener(listener);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The fill

    static String title(int i) {
        String t = "item " + i + " ";
        return t + "x".repeat(Math.max(0, 24 - t.length()));
    }

    /**
     * Fills {@code target} with {@code scribes} scribes recorded by a Scriber of client id {@code hub}: the creates
     * of the objects, then updates of their counters round-robin. Returns each object's last counter value.
     */
    static long[] fill(Store target, int scribes) {
        int objects = objects(scribes);
        long[] values = new long[objects];
        Batching store = new Batching(target);
        try (Scriber gen = Scriber.builder().clientId("hub").store(store).register(Item.class).build()) {
            List<Item> items = new ArrayList<>(objects);
            for (int i = 0; i < objects; i++) {
                Item item = new Item();
                item.id = "o" + i;
                item.title = title(i);
                items.add(gen.create(item));
            }
            for (int j = 0; j < scribes - objects; j++) {
                int i = j % objects;
                Item item = items.get(i);
                item.n = j / objects + 1;
                values[i] = item.n;
                gen.save(item);
            }
        }
        store.flush();
        if (target.lastId() != scribes) {
            throw new IllegalStateException("the fill left " + target.lastId() + " scribes, not " + scribes);
        }
        return values;
    }

    /** Gathers the commits of the fill and writes them to the store in large ones. Used by one thread. */
    static final class Batching extends ForwardingStore {
        private final Store target;
        private final List<Scribe> scribes = new ArrayList<>();
        private final Map<String, ObjectState> states = new LinkedHashMap<>();
        private final Map<String, String> cursors = new LinkedHashMap<>();
        /** The target's last id, kept here: a read of it may be a round trip. */
        private long written;

        Batching(Store target) {
            super(target);
            this.target = target;
            this.written = target.lastId();
        }

        @Override
        public synchronized List<Scribe> commit(Commit commit) {
            long first = written + scribes.size() + 1;
            List<Scribe> stored = new ArrayList<>(commit.scribes().size());
            for (Scribe s : commit.scribes()) {
                stored.add(s.withId(Long.toString(first + stored.size())));
            }
            scribes.addAll(commit.scribes());
            for (ObjectState o : commit.objects()) {
                states.put(o.klass() + '\u0000' + o.id(), o);
            }
            cursors.putAll(commit.cursors());
            if (scribes.size() >= FILL_BATCH) {
                flush();
            }
            return stored;
        }

        synchronized void flush() {
            if (!scribes.isEmpty() || !states.isEmpty() || !cursors.isEmpty()) {
                written += target.commit(new Commit(scribes, new ArrayList<>(states.values()), cursors)).size();
                scribes.clear();
                states.clear();
                cursors.clear();
            }
        }

        @Override
        public synchronized long lastId() {
            return written + scribes.size();
        }

        @Override
        public synchronized List<Scribe> readAfter(long afterId, int limit) {
            flush();
            return target.readAfter(afterId, limit);
        }

        @Override
        public synchronized Optional<String> cursor(String clientId) {
            String c = cursors.get(clientId);
            return c != null ? Optional.of(c) : target.cursor(clientId);
        }

        @Override
        public synchronized Optional<ObjectState> object(String klass, String id) {
            ObjectState s = states.get(klass + '\u0000' + id);
            return s != null ? Optional.of(s) : target.object(klass, id);
        }

        @Override
        public synchronized void forEachObject(Consumer<ObjectState> action) {
            flush();
            target.forEachObject(action);
        }

        @Override
        public synchronized Map<String, String> cursors(String prefix) {
            flush();
            return target.cursors(prefix);
        }

        @Override
        public synchronized boolean compact(long upTo, java.util.Collection<ObjectState> tombstones) {
            flush();
            return target.compact(upTo, tombstones);
        }

        @Override
        public void close() {
            // The target outlives the fill.
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The stores and their raw scans

    /** A store under test and its raw scan. */
    interface Subject extends AutoCloseable {
        String name();

        Store store();

        /** What the raw scan reads with. */
        String rawKind();

        /** Reads and parses the whole log page by page: {scribes read, a checksum of what was parsed}. */
        long[] rawScan(int scribes) throws Exception;

        /** After the fill: what the store's routine maintenance would have done by then. */
        default void settle() throws Exception {}
    }

    static Subject subject(String kind) throws Exception {
        String tag = "catchup_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        switch (kind) {
            case "pg":
            case "postgres": {
                PostgresStore store = PostgresStore.connect(PG + "&schema=" + tag);
                Connection c = DriverManager.getConnection(JDBC);
                return new Subject() {
                    @Override
                    public String name() {
                        return "PostgreSQL";
                    }

                    @Override
                    public Store store() {
                        return store;
                    }

                    @Override
                    public String rawKind() {
                        return "JDBC, keyset pages of " + PAGE;
                    }

                    @Override
                    public void settle() throws Exception {
                        // Sets the hint bits and the visibility map of the freshly written rows (autovacuum is off
                        // on the server of the figures), so that the first scan does not pay for them.
                        try (Statement st = c.createStatement()) {
                            st.execute("VACUUM ANALYZE " + tag + ".log, " + tag + ".objects");
                        }
                    }

                    @Override
                    public long[] rawScan(int scribes) throws Exception {
                        long read = 0;
                        long sum = 0;
                        long after = 0;
                        try (PreparedStatement ps = c.prepareStatement("SELECT id, scribe FROM " + tag
                                + ".log WHERE id > ? ORDER BY id LIMIT ?")) {
                            while (true) {
                                ps.setLong(1, after);
                                ps.setInt(2, PAGE);
                                int n = 0;
                                try (ResultSet rs = ps.executeQuery()) {
                                    while (rs.next()) {
                                        after = rs.getLong(1);
                                        sum += parse(rs.getString(2));
                                        n++;
                                    }
                                }
                                read += n;
                                if (n < PAGE) {
                                    return new long[] {read, sum};
                                }
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
            case "redis": {
                RedisStore store = RedisStore.connect(REDIS + "?prefix=" + tag);
                JedisPooled redis = new JedisPooled(java.net.URI.create(REDIS));
                byte[] logKey = (tag + ":log").getBytes(StandardCharsets.UTF_8);
                return new Subject() {
                    @Override
                    public String name() {
                        return "Redis";
                    }

                    @Override
                    public Store store() {
                        return store;
                    }

                    @Override
                    public String rawKind() {
                        return "Jedis HMGET, pages of " + PAGE;
                    }

                    @Override
                    public long[] rawScan(int scribes) throws Exception {
                        long last = Long.parseLong(redis.get(tag + ":seq"));
                        long read = 0;
                        long sum = 0;
                        for (long from = 0; from < last; from += PAGE) {
                            int n = (int) Math.min(PAGE, last - from);
                            byte[][] fields = new byte[n][];
                            for (int i = 0; i < n; i++) {
                                fields[i] = Long.toString(from + 1 + i).getBytes(StandardCharsets.UTF_8);
                            }
                            for (byte[] v : redis.hmget(logKey, fields)) {
                                sum += parse(v);
                                read++;
                            }
                        }
                        return new long[] {read, sum};
                    }

                    @Override
                    public void close() {
                        store.close();
                        for (String k : List.of("meta", "seq", "log", "objects", "cursors")) {
                            redis.unlink(tag + ":" + k);
                        }
                        redis.close();
                    }
                };
            }
            case "file": {
                Path dir = Files.createTempDirectory("catchup-bench").resolve("store");
                FileStore store = FileStore.open(dir);
                return new Subject() {
                    private ChronicleMap<Long, byte[]> log;

                    @Override
                    public String name() {
                        return "file";
                    }

                    @Override
                    public Store store() {
                        return store;
                    }

                    @Override
                    public String rawKind() {
                        return FILE_RAW_READ_AFTER ? "FileStore.readAfter, pages of " + PAGE
                                : "Chronicle Map get(id) on log.cm";
                    }

                    @Override
                    public long[] rawScan(int scribes) throws Exception {
                        long read = 0;
                        long sum = 0;
                        if (FILE_RAW_READ_AFTER) {
                            long after = 0;
                            while (true) {
                                List<Scribe> page = store.readAfter(after, PAGE);
                                for (Scribe s : page) {
                                    sum += s.data().size();
                                    after = Long.parseLong(s.id());
                                }
                                read += page.size();
                                if (page.size() < PAGE) {
                                    return new long[] {read, sum};
                                }
                            }
                        }
                        if (log == null) {
                            // A second handle on the map the store has open (Chronicle Map files are shared).
                            log = ChronicleMap.of(Long.class, byte[].class).name("scribe-log")
                                    .entries(FileStore.DEFAULT_ENTRIES).averageValueSize(256)
                                    .createPersistedTo(dir.resolve("log.cm").toFile());
                        }
                        long last = log.longSize();
                        for (long id = 1; id <= last; id++) {
                            sum += parse(log.get(id));
                            read++;
                        }
                        return new long[] {read, sum};
                    }

                    @Override
                    public void close() throws Exception {
                        if (log != null) {
                            log.close();
                        }
                        store.close();
                        TempDirs.delete(dir.getParent());
                    }
                };
            }
            default:
                throw new IllegalArgumentException("unknown store " + kind + "; known: file, redis, pg");
        }
    }

    private static long parse(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        return node.size();
    }

    private static long parse(byte[] json) throws Exception {
        JsonNode node = JSON.readTree(json);
        return node.size();
    }

    // ---------------------------------------------------------------------------------------------------------------
}
