package io.scribe.transport.netty.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The answers to HTTP pushes by {@code (client, message_id)}, so that a push sent again (its answer was lost) gets the
 * same answer and is not played twice. Bounded: at most {@code maxEntries} answers (the least recently used go
 * first), each for {@code ttlNanos} at most. A push still being played is shared: the same id again waits for the
 * first one's answer. A push that failed (no answer worth keeping: a timeout, a store failure) is forgotten, so that
 * a retry plays it. Thread-safe.
 */
final class ReplayCache {

    /** One push: a fingerprint of its scribes and its answer (the JSON bytes sent back). */
    record Entry(String fingerprint, CompletableFuture<byte[]> answer, long created) {}

    private final int maxEntries;
    private final long ttlNanos;
    private final Map<String, Entry> entries;

    ReplayCache(int maxEntries, long ttlNanos) {
        this.maxEntries = maxEntries;
        this.ttlNanos = ttlNanos;
        this.entries = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
                return size() > ReplayCache.this.maxEntries;
            }
        };
    }

    /**
     * Returns the entry of {@code key} (a replay), or, when there is none (or it expired), records a new one whose
     * answer is what {@code play} returns and returns it with {@code created} -1 (the first of its id).
     */
    Entry lookupOrStart(String key, String fingerprint, Supplier<CompletableFuture<byte[]>> play) {
        Entry existing;
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        synchronized (entries) {
            existing = entries.get(key);
            if (existing != null && System.nanoTime() - existing.created() <= ttlNanos) {
                return existing;
            }
            entries.put(key, new Entry(fingerprint, answer, System.nanoTime()));
        }
        play.get().whenComplete((bytes, failure) -> {
            if (failure != null) {
                synchronized (entries) {
                    Entry mine = entries.get(key);
                    if (mine != null && mine.answer() == answer) {
                        entries.remove(key);
                    }
                }
                answer.completeExceptionally(failure);
            } else {
                answer.complete(bytes);
            }
        });
        return new Entry(fingerprint, answer, -1);
    }

    /** The number of answers kept now. */
    int size() {
        synchronized (entries) {
            return entries.size();
        }
    }
}
