package io.scribe.benchmarks;

import io.scribe.benchmarks.capture.Account;
import io.scribe.core.Scriber;
import io.scribe.core.instrument.ScribeInstrumentation;
import io.scribe.core.spi.Store;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cost of a setter of an enhanced {@code @Synced} class against the same setter of a plain class.
 *
 * <ul>
 *   <li>{@code plain}: {@code PlainAccount.setBalance}, a field write.
 *   <li>{@code unbound}: the enhanced {@code SyncedAccount}, constructed outside any Scriber: the hooks run and find
 *       nothing to record.
 *   <li>{@code recorded}: the enhanced class bound to a Scriber with the in-memory store: each call records one
 *       update scribe (diff, HLC tick, store append, listeners, relay to no session).
 * </ul>
 *
 * <p>Every call writes a new value. The agent is installed in {@link #setup()} before the account classes are
 * loaded (they are reached by name only). Run:
 * {@code java -jar benchmarks/target/benchmarks.jar EnhancedSetterBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s}
 *
 * <p>{@link #main} runs the {@code recorded} variant alone and prints what a call costs in CPU time, of the calling
 * thread and of the whole process (the collector's threads included), and in collection pauses, which on a shared
 * machine say more than the wall time: {@code java -Xmx2g -cp benchmarks/target/benchmarks.jar
 * io.scribe.benchmarks.EnhancedSetterBenchmark 3000000}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EnhancedSetterBenchmark {

    @Param({"plain", "unbound", "recorded"})
    public String variant;

    private Account account;
    private Scriber scriber;
    private long next;

    @Setup(Level.Trial)
    public void setup() throws ReflectiveOperationException {
        ScribeInstrumentation.install("io.scribe.benchmarks.capture");
        String pkg = "io.scribe.benchmarks.capture.";
        if (variant.equals("plain")) {
            account = (Account) Class.forName(pkg + "PlainAccount").getConstructor(String.class, String.class)
                    .newInstance("a1", "ann");
            return;
        }
        Class<?> synced = Class.forName(pkg + "SyncedAccount");
        if (!ScribeInstrumentation.isEnhanced(synced)) {
            throw new IllegalStateException("SyncedAccount was not enhanced");
        }
        var constructor = synced.getConstructor(String.class, String.class);
        if (variant.equals("unbound")) {
            account = (Account) constructor.newInstance("a1", "ann");
            return;
        }
        scriber = Scriber.builder().clientId("bench").store(Store.inMemory()).register(synced).build();
        account = scriber.call(() -> {
            try {
                return (Account) constructor.newInstance("a1", "ann");
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (scriber != null) {
            scriber.close();
        }
    }

    /** Runs {@code args[0]} (default 3,000,000) recorded setter calls after 500,000 to warm up; prints their costs. */
    public static void main(String[] args) throws ReflectiveOperationException {
        long calls = args.length > 0 ? Long.parseLong(args[0]) : 3_000_000;
        EnhancedSetterBenchmark bench = new EnhancedSetterBenchmark();
        bench.variant = "recorded";
        bench.setup();
        for (int i = 0; i < 500_000; i++) {
            bench.setter();
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long pauses = -collectionMillis();
        long process = -os.getProcessCpuTime();
        long thread = -ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        long wall = -System.nanoTime();
        for (long i = 0; i < calls; i++) {
            bench.setter();
        }
        wall += System.nanoTime();
        thread += ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        process += os.getProcessCpuTime();
        pauses += collectionMillis();
        System.out.printf("recorded setter, %,d calls: wall %,.0f ns, thread cpu %,.0f ns, process cpu %,.0f ns,"
                + " collection pauses %,.0f ns per call%n", calls, wall / (double) calls, thread / (double) calls,
                process / (double) calls, pauses * 1e6 / calls);
        bench.tearDown();
    }

    private static long collectionMillis() {
        long millis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
    }

    @Benchmark
    public long setter() {
        account.setBalance(++next);
        return account.balance();
    }
}
