/** Domain classes of {@link io.scribe.benchmarks.EnhancedSetterBenchmark}: the same class plain and synced. */
package io.scribe.benchmarks.capture;
