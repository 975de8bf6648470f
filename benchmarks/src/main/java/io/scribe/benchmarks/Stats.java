package io.scribe.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/** What the side-by-side harnesses measure with: medians, the JVM's CPU time, the heap left after collections. */
final class Stats {

    private Stats() {}

    /** The median of {@code values} (the mean of the middle two for an even count); NaN when there are none. */
    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /** CPU time of the whole JVM (every thread, the collector's included), in nanoseconds. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** The lowest heap in use after {@code collections} full collections, 50 ms apart: about what is retained. */
    static long usedAfterGc(int collections) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < collections; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            best = Math.min(best, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return best;
    }
}
