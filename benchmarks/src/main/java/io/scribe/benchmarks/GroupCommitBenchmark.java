package io.scribe.benchmarks;

import io.scribe.annotations.Synced;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.store.postgres.PostgresStore;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Local writes from several threads at once on the PostgreSQL store, beside raw JDBC doing the same writes, in one
 * JVM, alternating short slices: {@code Scribe} is N threads each saving an object of its own in a loop (one update
 * scribe per save, stored with its object state; writes arriving during a commit share the next one), {@code raw} is N
 * threads each with a JDBC connection of its own inserting the same scribe JSON into a table, one auto-committed
 * {@code INSERT} per write (PostgreSQL's own group commit of its WAL is the only batching there). Prints, per round and
 * thread count, writes per second of each, their ratio, the JVM's CPU time per write, and Scribe's writes per store
 * commit; then the median ratio and its spread.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.scribe.benchmarks.GroupCommitBenchmark [rounds]
 * [seconds per slice] [thread counts, comma-separated]} (defaults 3, 2, 1,8,32). Needs the PostgreSQL of the test
 * setup (127.0.0.1:5432, user postgres); each run uses a schema of its own, dropped at the end.
 */
public final class GroupCommitBenchmark {

    private static final String PG = "postgresql://127.0.0.1:5432/postgres";

    /** What each writer thread updates. */
    @Synced(explicit = true)
    public static final class Counter {
        private String id;
        private long value;

        Counter() {}

        Counter(String id) {
            this.id = id;
        }
    }

    /** Counts the store's commits that append scribes. */
    static final class CountingStore extends ForwardingStore {
        final AtomicLong commits = new AtomicLong();

        CountingStore(PostgresStore delegate) {
            super(delegate);
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (!commit.scribes().isEmpty()) {
                commits.incrementAndGet();
            }
            return super.commit(commit);
        }
    }

    /** One writer's loop body; returns nothing, throws on failure. */
    interface Write {
        void run(int thread) throws Exception;
    }

    record Slice(double perSecond, double cpuMicrosPerWrite) {}

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
        int[] threadCounts = args.length > 2
                ? Arrays.stream(args[2].split(",")).mapToInt(Integer::parseInt).toArray() : new int[] {1, 8, 32};
        int maxThreads = Arrays.stream(threadCounts).max().orElse(1);
        String schema = "bench_gc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        CountingStore store = new CountingStore(PostgresStore.connect(PG + "?user=postgres&schema=" + schema));
        List<Connection> raw = new ArrayList<>();
        try (Scriber scriber = Scriber.builder().clientId("bench").store(store).register(Counter.class).build()) {
            List<Counter> counters = new ArrayList<>();
            for (int t = 0; t < maxThreads; t++) {
                counters.add(scriber.create(new Counter("c" + t)));
            }
            try (Connection c = DriverManager.getConnection("jdbc:" + PG + "?user=postgres");
                    Statement st = c.createStatement()) {
                st.execute("CREATE TABLE " + schema + ".raw_log (id BIGSERIAL PRIMARY KEY, data JSONB NOT NULL)");
            }
            List<PreparedStatement> inserts = new ArrayList<>();
            for (int t = 0; t < maxThreads; t++) {
                Connection c = DriverManager.getConnection("jdbc:" + PG + "?user=postgres");
                raw.add(c);
                inserts.add(c.prepareStatement("INSERT INTO " + schema + ".raw_log (data) VALUES (?::jsonb)"));
            }
            // The JSON an update scribe of a Counter has in the log.
            String row = "{\"klass\":\"Counter\",\"type\":\"update\",\"data\":[\"c0\",{\"value\":%d}],"
                    + "\"origin\":\"bench\",\"clock\":%d,\"base\":{\"value\":%d}}";
            Write scribe = t -> {
                Counter counter = counters.get(t);
                counter.value++;
                scriber.save(counter);
            };
            AtomicLong rawValue = new AtomicLong();
            Write jdbc = t -> {
                long v = rawValue.incrementAndGet();
                PreparedStatement insert = inserts.get(t);
                insert.setString(1, String.format(Locale.ROOT, row, v, v << 16, v - 1));
                insert.executeUpdate();
            };
            // Warm-up round, not reported.
            for (int n : threadCounts) {
                run(scribe, n, seconds / 2);
                run(jdbc, n, seconds / 2);
            }
            System.out.printf(Locale.ROOT, "%-5s %-7s %12s %12s %8s %12s %12s %14s%n", "round", "threads",
                    "scribe w/s", "raw w/s", "ratio", "scribe us", "raw us", "writes/commit");
            double[][] ratios = new double[threadCounts.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < threadCounts.length; i++) {
                    int n = threadCounts[i];
                    long commitsBefore = store.commits.get();
                    Slice s = run(scribe, n, seconds);
                    long commits = store.commits.get() - commitsBefore;
                    Slice j = run(jdbc, n, seconds);
                    ratios[i][r] = s.perSecond() / j.perSecond();
                    System.out.printf(Locale.ROOT, "%-5d %-7d %12.0f %12.0f %8.2f %12.1f %12.1f %14.2f%n", r + 1, n,
                            s.perSecond(), j.perSecond(), ratios[i][r], s.cpuMicrosPerWrite(),
                            j.cpuMicrosPerWrite(), s.perSecond() * seconds / Math.max(commits, 1));
                }
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "%-7s %14s %16s%n", "threads", "median ratio", "min-max");
            for (int i = 0; i < threadCounts.length; i++) {
                double[] sorted = ratios[i].clone();
                Arrays.sort(sorted);
                System.out.printf(Locale.ROOT, "%-7d %14.2f %8.2f-%.2f%n", threadCounts[i], sorted[sorted.length / 2],
                        sorted[0], sorted[sorted.length - 1]);
            }
        } finally {
            for (Connection c : raw) {
                c.close();
            }
            store.close();
            try (Connection c = DriverManager.getConnection("jdbc:" + PG + "?user=postgres");
                    Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** {@code threads} threads doing {@code write} for {@code seconds}: writes per second and JVM CPU per write. */
    private static Slice run(Write write, int threads, double seconds) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong writes = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        CountDownLatch started = new CountDownLatch(threads);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread worker = new Thread(() -> {
                started.countDown();
                while (!stop.get()) {
                    try {
                        write.run(id);
                        writes.incrementAndGet();
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                }
            }, "writer-" + t);
            workers.add(worker);
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        workers.forEach(Thread::start);
        started.await();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long w0 = writes.get();
        Thread.sleep((long) (seconds * 1000));
        long w1 = writes.get();
        long elapsed = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        stop.set(true);
        for (Thread worker : workers) {
            worker.join();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " writes failed");
        }
        long done = Math.max(w1 - w0, 1);
        return new Slice(done * 1e9 / elapsed, cpu / 1e3 / done);
    }
}
