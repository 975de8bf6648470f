package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import io.scribe.store.file.FileStore;
import io.scribe.store.postgres.PostgresStore;
import io.scribe.store.redis.RedisStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import net.openhft.chronicle.map.ChronicleMap;
import net.openhft.chronicle.map.ChronicleMapBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import redis.clients.jedis.AbstractTransaction;
import redis.clients.jedis.JedisPooled;

/**
 * Append and catch-up throughput of each durable store, side by side with the raw client doing the same writes and
 * reads in the same run: {@code scribe-*} go through the {@link Store} API, {@code raw-*} write the same JSON with
 * Chronicle Map, Jedis or JDBC directly.
 *
 * <ul>
 *   <li>{@code append}: one commit of 10 scribes, 1 object state and 1 cursor. Raw: the same 12 writes, atomically
 *       where the store is atomic (a Redis MULTI/EXEC with INCRBY, a JDBC transaction with a batched insert, 12 map
 *       puts).
 *   <li>{@code catchUp}: one page of 100 scribes after a random id, decoded. Raw: the same range read as bytes.
 * </ul>
 *
 * <p>Needs the Redis and PostgreSQL of the test setup (127.0.0.1, or SCRIBE_TEST_REDIS_URL / a JDBC URL in
 * SCRIBE_BENCH_JDBC_URL). Run: {@code java -jar benchmarks/target/benchmarks.jar StoreBenchmark -f 1 -wi 1 -i 3}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dchronicle.analytics.disable=true",
        "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED", "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
        "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
public class StoreBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REDIS = System.getenv().getOrDefault("SCRIBE_TEST_REDIS_URL",
            "redis://127.0.0.1:6379/0");
    private static final String JDBC = System.getenv().getOrDefault("SCRIBE_BENCH_JDBC_URL",
            "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres");
    private static final int PREFILL = 2_000;
    private static final int PAGE = 100;

    @Param({"scribe-file", "raw-chronicle", "scribe-redis", "raw-jedis", "scribe-postgres", "raw-jdbc"})
    public String store;

    private Backend backend;
    private List<Scribe> scribes;
    private ObjectState state;
    private long counter;
    private String tag;

    /** What one side of the comparison does. */
    interface Backend {
        void append(List<Scribe> scribes, ObjectState state, String cursor);

        int read(long afterId, int limit, Blackhole bh);

        void close() throws Exception;
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        scribes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ObjectNode data = JSON.createObjectNode().put("id", UUID.randomUUID().toString()).put("title", "task " + i)
                    .put("done", false).put("priority", i);
            scribes.add(new Scribe(null, "Task", Scribe.Type.CREATE, data, "bench-peer", 1L << 20 | i, Map.of()));
        }
        ObjectNode fields = (ObjectNode) scribes.get(0).data();
        state = new ObjectState("Task", fields.get("id").asText(), fields,
                Map.of("title", new Stamp(1, "bench-peer")), null);
 tag = "bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        backend = switch (store) {
            case "scribe-file" -> new ScribeBackend(FileStore.open(Files.createTempDirectory("bench").resolve("s")));
            case "scribe-redis" -> new ScribeBackend(RedisStore.connect(REDIS + "?prefix=" + tag));
            case "scribe-postgres" -> new ScribeBackend(PostgresStore.connect(
                    "postgresql://127.0.0.1:5432/postgres?user=postgres&schema=" + tag));
            case "raw-chronicle" -> new RawChronicle(Files.createTempDirectory("bench"));
            case "raw-jedis" -> new RawJedis(tag);
            case "raw-jdbc" -> new RawJdbc(tag);
            default -> throw new IllegalArgumentException(store);
        };
        for (int i = 0; i < PREFILL / 10; i++) {
            backend.append(scribes, state, "0");
        }
        counter = PREFILL;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        backend.close();
        if (store.equals("scribe-postgres")) {
            try (Connection c = DriverManager.getConnection(JDBC); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + tag + " CASCADE");
            }
        } else if (store.equals("scribe-redis")) {
            try (JedisPooled redis = new JedisPooled(java.net.URI.create(REDIS))) {
                for (String k : List.of("meta", "seq", "log", "objects", "cursors")) {
                    redis.del(tag + ":" + k);
                }
            }
        }
    }

    @Benchmark
    public void append() {
        backend.append(scribes, state, Long.toString(counter++));
    }

    @Benchmark
    public int catchUp(Blackhole bh) {
        long after = (System.nanoTime() & 0xFFFF) % (PREFILL - PAGE);
        return backend.read(after, PAGE, bh);
    }

    static final class ScribeBackend implements Backend {
        final Store store;

        ScribeBackend(Store store) {
            this.store = store;
        }

        @Override
        public void append(List<Scribe> scribes, ObjectState state, String cursor) {
            store.commit(new Commit(scribes, List.of(state), Map.of("client", cursor)));
        }

        @Override
        public int read(long afterId, int limit, Blackhole bh) {
            List<Scribe> page = store.readAfter(afterId, limit);
            bh.consume(page);
            return page.size();
        }

        @Override
        public void close() {
            store.close();
        }
    }

    static final class RawChronicle implements Backend {
        final ChronicleMap<Long, byte[]> log;
        final ChronicleMap<String, byte[]> objects;
        final ChronicleMap<String, String> cursors;
        long last;

        RawChronicle(Path dir) throws Exception {
            log = ChronicleMapBuilder.of(Long.class, byte[].class).entries(1_000_000).averageValueSize(256)
                    .sparseFile(true).createPersistedTo(dir.resolve("log").toFile());
            objects = ChronicleMapBuilder.of(String.class, byte[].class).entries(1_000_000).averageKeySize(48)
                    .averageValueSize(512).sparseFile(true).createPersistedTo(dir.resolve("objects").toFile());
            cursors = ChronicleMapBuilder.of(String.class, String.class).entries(10_000).averageKeySize(40)
                    .averageValueSize(24).sparseFile(true).createPersistedTo(dir.resolve("cursors").toFile());
        }

        @Override
        public synchronized void append(List<Scribe> scribes, ObjectState state, String cursor) {
            for (Scribe s : scribes) {
                log.put(++last, Codec.json().encode(s));
            }
            objects.put(state.klass() + '\u0000' + state.id(), Codec.json().encode(state));
            cursors.put("client", cursor);
        }

        @Override
        public int read(long afterId, int limit, Blackhole bh) {
            int n = 0;
            for (long id = afterId + 1; id <= Math.min(last, afterId + limit); id++) {
                bh.consume(Codec.json().decodeScribe(log.get(id)));
                n++;
            }
            return n;
        }

        @Override
        public void close() {
            log.close();
            objects.close();
            cursors.close();
        }
    }

    static final class RawJedis implements Backend {
        final JedisPooled redis;
        final String prefix;

        RawJedis(String prefix) {
            this.redis = new JedisPooled(java.net.URI.create(REDIS));
            this.prefix = prefix;
        }

        @Override
        public void append(List<Scribe> scribes, ObjectState state, String cursor) {
            // The id must be known before the scribes are written: INCRBY first, then MULTI/EXEC the writes.
            long last = redis.incrBy(prefix + ":seq", scribes.size());
            long id = last - scribes.size() + 1;
            try (AbstractTransaction tx = redis.multi()) {
                for (Scribe s : scribes) {
                    tx.hset((prefix + ":log").getBytes(StandardCharsets.UTF_8),
                            Long.toString(id++).getBytes(StandardCharsets.UTF_8), Codec.json().encode(s));
                }
                tx.hset((prefix + ":objects").getBytes(StandardCharsets.UTF_8),
                        (state.klass() + '\u0000' + state.id()).getBytes(StandardCharsets.UTF_8),
                        Codec.json().encode(state));
                tx.hset(prefix + ":cursors", "client", cursor);
                tx.exec();
            }
        }

        @Override
        public int read(long afterId, int limit, Blackhole bh) {
            byte[][] fields = new byte[limit][];
            for (int i = 0; i < limit; i++) {
                fields[i] = Long.toString(afterId + 1 + i).getBytes(StandardCharsets.UTF_8);
            }
            List<byte[]> values = redis.hmget((prefix + ":log").getBytes(StandardCharsets.UTF_8), fields);
            for (byte[] v : values) {
                bh.consume(Codec.json().decodeScribe(v));
            }
            return values.size();
        }

        @Override
        public void close() {
            redis.del(prefix + ":seq", prefix + ":log", prefix + ":objects", prefix + ":cursors");
            redis.close();
        }
    }

    static final class RawJdbc implements Backend {
        final Connection c;
        final String schema;

        RawJdbc(String schema) throws Exception {
            this.schema = schema;
            c = DriverManager.getConnection(JDBC + "&reWriteBatchedInserts=true");
            try (Statement st = c.createStatement()) {
                st.execute("CREATE SCHEMA " + schema);
                st.execute("CREATE TABLE " + schema + ".log (id BIGSERIAL PRIMARY KEY, scribe JSONB NOT NULL)");
                st.execute("CREATE TABLE " + schema + ".objects (klass TEXT, id TEXT, state JSONB NOT NULL,"
                        + " PRIMARY KEY (klass, id))");
                st.execute("CREATE TABLE " + schema + ".cursors (client TEXT PRIMARY KEY, cursor TEXT NOT NULL)");
            }
            c.setAutoCommit(false);
        }

        @Override
        public synchronized void append(List<Scribe> scribes, ObjectState state, String cursor) {
            try {
                try (PreparedStatement ins = c.prepareStatement(
                        "INSERT INTO " + schema + ".log (scribe) VALUES (?::jsonb)")) {
                    for (Scribe s : scribes) {
                        ins.setString(1, new String(Codec.json().encode(s), StandardCharsets.UTF_8));
                        ins.addBatch();
                    }
                    ins.executeBatch();
                }
                try (PreparedStatement up = c.prepareStatement("INSERT INTO " + schema + ".objects VALUES (?, ?,"
                        + " ?::jsonb) ON CONFLICT (klass, id) DO UPDATE SET state = excluded.state")) {
                    up.setString(1, state.klass());
                    up.setString(2, state.id());
                    up.setString(3, new String(Codec.json().encode(state), StandardCharsets.UTF_8));
                    up.executeUpdate();
                }
                try (PreparedStatement up = c.prepareStatement("INSERT INTO " + schema + ".cursors VALUES (?, ?)"
                        + " ON CONFLICT (client) DO UPDATE SET cursor = excluded.cursor")) {
                    up.setString(1, "client");
                    up.setString(2, cursor);
                    up.executeUpdate();
                }
                c.commit();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public synchronized int read(long afterId, int limit, Blackhole bh) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, scribe::text FROM " + schema + ".log WHERE id > ? ORDER BY id LIMIT ?")) {
                ps.setLong(1, afterId);
                ps.setInt(2, limit);
                int n = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        bh.consume(Codec.json().decodeScribe(rs.getString(2).getBytes(StandardCharsets.UTF_8)));
                        n++;
                    }
                }
                c.commit();
                return n;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws Exception {
            c.setAutoCommit(true);
            try (Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA " + schema + " CASCADE");
            }
            c.close();
        }
    }
}
