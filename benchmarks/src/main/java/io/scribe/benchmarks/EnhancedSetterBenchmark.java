package io.scribe.benchmarks;

import io.scribe.benchmarks.capture.Account;
import io.scribe.core.Scriber;
import io.scribe.core.instrument.ScribeInstrumentation;
import io.scribe.core.spi.Store;
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

    @Benchmark
    public long setter() {
        account.setBalance(++next);
        return account.balance();
    }
}
