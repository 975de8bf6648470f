package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.Scribe;
import io.scribe.core.internal.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Decoding and encoding one typical update scribe (a 100-character title changed, with id, origin, clock and base:
 * 265 bytes of JSON), the work a store does for each scribe it reads and a catch-up page for each scribe it sends.
 *
 * <ul>
 *   <li>{@code decodeTree}: {@code Json.scribe(Json.parse(bytes))}, the tree of the whole scribe, then the scribe.
 *   <li>{@code decodeStream}: {@code Json.scribe(bytes, 0, length)}, the keys read from the parser, a tree for
 *       {@code data} only.
 *   <li>{@code encodeTree}: {@code Json.bytes(Json.toJson(scribe))}.
 *   <li>{@code encodeStream}: {@code Json.scribeBytes(scribe)}, written to the generator without a tree.
 *   <li>{@code bothTree}, {@code bothStream}: decoding then encoding again, as a store read followed by a sync page.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ScribeCodecBenchmark -f 1 -wi 2 -i 3 -w 1s -r 1s -prof gc}
 *
 * <p>On a shared machine, where the load changes between JMH's benchmarks, {@link #main} alternates the two paths
 * in slices of the same length in one JVM and prints the median ns per decode+encode of each: {@code java -cp
 * benchmarks/target/benchmarks.jar io.scribe.benchmarks.ScribeCodecBenchmark [rounds=30] [opsPerSlice=200000]}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ScribeCodecBenchmark {

    private Scribe scribe;
    private byte[] bytes;

    /** The benchmark's scribe, 265 bytes of JSON. */
    static Scribe typicalUpdate() {
        long clock = 1_796_000_000_000L << 16 | 3;
        String title = CompressionBenchmark.text(100, 7);
        JsonNode data = Json.NODES.arrayNode().add("7f3a9c2e")
                .add(Json.object().put("title", title));
        return new Scribe("10485", "Doc", Scribe.Type.UPDATE, data, "peer-3b9e2a71",
                clock, Map.of("title", clock - 70_000));
    }

    @Setup
    public void setup() {
        scribe = typicalUpdate();
        bytes = Json.bytes(Json.toJson(scribe));
        if (!Arrays.equals(bytes, Json.scribeBytes(scribe)) || !Json.scribe(bytes, 0, bytes.length).equals(
                Json.scribe(Json.parse(bytes, 0, bytes.length)))) {
            throw new IllegalStateException("the two paths disagree");
        }
    }

    @Benchmark
    public Scribe decodeTree() {
        return Json.scribe(Json.parse(bytes, 0, bytes.length));
    }

    @Benchmark
    public Scribe decodeStream() {
        return Json.scribe(bytes, 0, bytes.length);
    }

    @Benchmark
    public byte[] encodeTree() {
        return Json.bytes(Json.toJson(scribe));
    }

    @Benchmark
    public byte[] encodeStream() {
        return Json.scribeBytes(scribe);
    }

    @Benchmark
    public byte[] bothTree() {
        return Json.bytes(Json.toJson(Json.scribe(Json.parse(bytes, 0, bytes.length))));
    }

    @Benchmark
    public byte[] bothStream() {
        return Json.scribeBytes(Json.scribe(bytes, 0, bytes.length));
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 200_000;
        ScribeCodecBenchmark b = new ScribeCodecBenchmark();
        b.setup();
        List<Double> tree = new ArrayList<>();
        List<Double> stream = new ArrayList<>();
        long sink = 0;
        for (int round = -5; round < rounds; round++) {
            // Alternate which path goes first, so that neither always follows the other.
            for (int side = 0; side < 2; side++) {
                boolean streaming = (side == 0) == (round % 2 == 0);
                long start = System.nanoTime();
                for (int i = 0; i < ops; i++) {
                    sink += streaming ? b.bothStream().length : b.bothTree().length;
                }
                double ns = (double) (System.nanoTime() - start) / ops;
                if (round >= 0) {
                    (streaming ? stream : tree).add(ns);
                }
            }
        }
        double t = median(tree);
        double s = median(stream);
        System.out.printf("decode+encode of %d bytes, median of %d slices of %,d: tree %.0f ns, stream %.0f ns,"
                + " stream/tree %.2f (sink %d)%n", b.bytes.length, rounds, ops, t, s, s / t, sink % 10);
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
