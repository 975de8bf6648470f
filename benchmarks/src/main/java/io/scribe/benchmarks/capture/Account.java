package io.scribe.benchmarks.capture;

/** What both accounts offer the benchmark: one setter. */
public interface Account {
    void setBalance(long balance);

    long balance();
}
