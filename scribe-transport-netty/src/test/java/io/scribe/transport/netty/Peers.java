package io.scribe.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Helpers for tests that run several peers over loopback sockets in one JVM. */
final class Peers {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final Backoff FAST = new Backoff(Duration.ofMillis(20), Duration.ofMillis(300), 0.5, 500);

    private Peers() {}

    static Scriber peer(String id) {
        return peer(id, Store.inMemory());
    }

    static Scriber peer(String id, Store store) {
        return Scriber.builder().clientId(id).store(store).register(Note.class)
                .requestTimeout(Duration.ofSeconds(10))
                .onError(e -> { }) // dropped connections in these tests fail pending requests by design
                .build();
    }

    /** Every note of {@code peer}, one line each, sorted. */
    static List<String> state(Scriber peer) {
        List<String> lines = new ArrayList<>();
        for (Note n : peer.all(Note.class)) {
            lines.add(n.toString());
        }
        lines.sort(null);
        return lines;
    }

    /** Polls until {@code condition} holds, failing with {@code what} after {@link #WAIT}. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    /** Waits until every peer holds the same notes as the first, and that is {@code expected} notes. */
    static void awaitConverged(int expected, Scriber... peers) {
        Supplier<String> describe = () -> {
            StringBuilder sb = new StringBuilder();
            for (Scriber p : peers) {
                sb.append(p.id()).append(": ").append(state(p)).append('\n');
            }
            return sb.toString();
        };
        try {
            await("convergence", () -> {
                List<String> first = state(peers[0]);
                if (first.size() != expected) {
                    return false;
                }
                for (Scriber p : peers) {
                    if (!state(p).equals(first)) {
                        return false;
                    }
                }
                return true;
            });
        } catch (AssertionError e) {
            throw new AssertionError("peers did not converge on " + expected + " notes:\n" + describe.get(), e);
        }
        assertThat(state(peers[0])).hasSize(expected);
    }
}
