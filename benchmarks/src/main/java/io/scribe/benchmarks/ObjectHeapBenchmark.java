package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.store.file.FileStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import net.openhft.chronicle.map.ChronicleMap;

/**
 * Heap per live object and peer start, side by side with plain Java in one JVM.
 *
 * <ul>
 *   <li><b>Heap per live object</b>: {@code n} objects of an id (a UUID) and a 100-character title, held by a Scriber
 *       on the file store (log and states off the heap, in Chronicle Map) and, for reference, on the in-memory store
 *       (log and states on the heap too), against the same objects in a {@code HashMap}. Heap used after a full GC,
 *       minus before, divided by {@code n}.
 *   <li><b>Peer start</b>: a Scriber opening the file store of those {@code n} objects (every object restored and
 *       bound), against the raw equivalent: a Chronicle Map of the same objects as JSON read whole and each parsed
 *       by Jackson into a {@code HashMap}. Time, peak heap (sampled every 2 ms) and retained heap; the two alternate
 *       for {@code rounds} rounds, the figures are medians.
 * </ul>
 *
 * <p>Run: {@code java -Xmx2g -Dchronicle.analytics.disable=true --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
 * --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED -cp
 * benchmarks/target/benchmarks.jar io.scribe.benchmarks.ObjectHeapBenchmark [n] [rounds]} (JDK 17: the file store's
 * Chronicle Map needs the flags).
 */
public final class ObjectHeapBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The object of the benchmark. */
    @Synced(explicit = true)
    public static final class Item {
        private String id;
        private String title;

        Item() {}

        Item(String id, String title) {
            this.id = id;
            this.title = title;
        }

        public String getId() {
            return id;
        }

        public String getTitle() {
            return title;
        }
    }

    /** Keeps what is measured reachable until it has been measured. */
    private static volatile Object held;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("object-heap");
        try {
            run(dir, n, rounds);
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static void run(Path dir, int n, int rounds) throws Exception {

        long before = Stats.usedAfterGc(4);
        Map<String, Item> plain = new HashMap<>();
        for (Item item : items(n)) {
            plain.put(item.id, item);
        }
        held = plain;
        double plainBytes = (Stats.usedAfterGc(4) - before) / (double) n;
        held = null;
        plain = null;

        double memoryBytes = scribeHeap(Store.inMemory(), n);
        Path storeDir = dir.resolve("store");
        double fileBytes = scribeHeap(FileStore.open(storeDir, n * 3L), n);
        Path rawFile = dir.resolve("raw.dat");
        writeRaw(rawFile, n);
        System.out.printf("heap per live object: plain %.0f B, Scribe on the file store %.0f B (%.2f x),"
                + " Scribe on the in-memory store %.0f B (%.2f x)%n", plainBytes, fileBytes, fileBytes / plainBytes,
                memoryBytes, memoryBytes / plainBytes);

        double[][] scribe = new double[4][rounds];
        double[][] raw = new double[4][rounds];
        for (int r = -1; r < rounds; r++) {
            double[] s = start(() -> Scriber.builder().clientId("start").store(FileStore.open(storeDir, n * 3L))
                    .register(Item.class).build(), peer -> ((Scriber) peer).all(Item.class).size(), n);
            double[] w = start(() -> readRaw(rawFile, n), map -> ((Map<?, ?>) map).size(), n);
            System.out.printf("round %d: Scribe %.0f ms (cpu %.0f ms), peak %.0f MB, retained %.0f MB; raw %.0f ms"
                    + " (cpu %.0f ms), peak %.0f MB, retained %.0f MB%n", r + 1, s[0], s[3], s[1] / 1e6, s[2] / 1e6,
                    w[0], w[3], w[1] / 1e6, w[2] / 1e6);
            if (r >= 0) {
                for (int k = 0; k < 4; k++) {
                    scribe[k][r] = s[k];
                    raw[k][r] = w[k];
                }
            }
        }
        System.out.printf("| peer start on %,d objects | Scribe | raw | Scribe / raw |%n", n);
        System.out.println("|---|---|---|---|");
        String[] labels = {"time (ms)", "peak heap (MB)", "retained heap (MB)", "process CPU (ms)"};
        for (int k = 0; k < 4; k++) {
            double sv = Stats.median(scribe[k]) / (k == 1 || k == 2 ? 1e6 : 1);
            double rv = Stats.median(raw[k]) / (k == 1 || k == 2 ? 1e6 : 1);
            System.out.printf("| %s | %.0f | %.0f | %.2f |%n", labels[k], sv, rv, sv / rv);
        }
        System.out.printf("| peak / retained | %.2f | %.2f | |%n", Stats.median(scribe[1]) / Stats.median(scribe[2]),
                Stats.median(raw[1]) / Stats.median(raw[2]));
    }

    /** Heap per object held by a Scriber on {@code store} after creating every item; closes it. */
    private static double scribeHeap(Store store, int n) {
        long before = Stats.usedAfterGc(4);
        Scriber peer = Scriber.builder().clientId("heap").store(store).register(Item.class).build();
        for (Item item : items(n)) {
            peer.create(item);
        }
        held = peer;
        double bytes = (Stats.usedAfterGc(4) - before) / (double) n;
        held = null;
        peer.close();
        store.close();
        return bytes;
    }

    /**
     * Runs one start, checks it holds {@code n} objects (after the clock stopped); returns {milliseconds, peak heap
     * bytes, retained heap bytes, process CPU milliseconds (every thread, the collector's and the heap sampler's
     * included)} and closes what it opened.
     */
    private static double[] start(java.util.concurrent.Callable<Object> open,
            java.util.function.ToIntFunction<Object> count, int n) throws Exception {
        long base = Stats.usedAfterGc(4);
        AtomicLong peak = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        var memory = ManagementFactory.getMemoryMXBean();
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Object opened = open.call();
        double millis = (System.nanoTime() - t0) / 1e6;
        double cpuMillis = (os.getProcessCpuTime() - cpu0) / 1e6;
        running.set(false);
        sampler.join();
        if (count.applyAsInt(opened) != n) {
            throw new IllegalStateException("started with " + count.applyAsInt(opened) + " objects of " + n);
        }
        held = opened;
        long retained = Stats.usedAfterGc(4) - base;
        held = null;
        if (opened instanceof Scriber s) {
            s.close();
            s.store().close();
        }
        return new double[] {millis, Math.max(peak.get() - base, 0), retained, cpuMillis};
    }

    private static void writeRaw(Path file, int n) throws Exception {
        try (ChronicleMap<String, byte[]> map = ChronicleMap.of(String.class, byte[].class)
                .averageKeySize(36).averageValueSize(180).entries(n * 2L).createPersistedTo(file.toFile())) {
            for (Item item : items(n)) {
                map.put(item.id, JSON.writeValueAsBytes(Map.of("id", item.id, "title", item.title)));
            }
        }
    }

    private static Map<String, Item> readRaw(Path file, int n) throws Exception {
        Map<String, Item> result = new HashMap<>();
        try (ChronicleMap<String, byte[]> map = ChronicleMap.of(String.class, byte[].class)
                .averageKeySize(36).averageValueSize(180).entries(n * 2L).createPersistedTo(file.toFile())) {
            for (Map.Entry<String, byte[]> e : map.entrySet()) {
                Item item = JSON.readValue(e.getValue(), Item.class);
                result.put(item.id, item);
            }
        }
        if (result.size() != n) {
            throw new IllegalStateException("read " + result.size() + " of " + n);
        }
        return result;
    }

    /**
     * The {@code n} items of the benchmark, the same ones on every call (a seeded generator), each made afresh: no
     * string is shared with what an earlier call made.
     */
    private static Iterable<Item> items(int n) {
        return () -> new java.util.Iterator<>() {
            private final java.util.Random random = new java.util.Random(42);
            private int i;

            @Override
            public boolean hasNext() {
                return i < n;
            }

            @Override
            public Item next() {
                return new Item(new UUID(random.nextLong(), random.nextLong()).toString(), title(i++));
            }
        };
    }

    private static String title(int i) {
        String head = "title " + i + " ";
        return head + "x".repeat(100 - head.length());
    }
}
