package io.scribe.transport.netty;

import java.time.Duration;
import java.util.Objects;

/**
 * The limits of a server's HTTP sync API ({@code POST /sync/pull}, {@code POST /sync/push}, {@code GET
 * /sync/health}, see {@code docs/PROTOCOL.md}), served on the WebSocket port when given to {@link
 * ScribeServer.Builder#httpSync(HttpSync)}. Mutable until the server starts; not thread-safe.
 */
public final class HttpSync {

    int maxEntries = 500;
    int maxPushScribes = 1000;
    int maxBodyBytes = 4 * 1024 * 1024;
    double requestRate = 20;
    int requestBurst = 40;
    int replayEntries = 10_000;
    Duration replayTtl = Duration.ofMinutes(10);
    Duration timeout = Duration.ofSeconds(30);

    private HttpSync() {}

    /**
     * 500 entries a pull page, 1,000 scribes and 4 MiB a push, 10,000 push answers kept 10 minutes, 30 s a request.
     */
    public static HttpSync defaults() {
        return new HttpSync();
    }

    /**
     * The most scribes one pull answers with, whatever {@code max_entries} asks (the Scriber's page size and the
     * maximum frame size bound a page too).
     */
    public HttpSync maxEntries(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max entries must be positive: " + max);
        }
        this.maxEntries = max;
        return this;
    }

    /** The most scribes one push may carry; a larger batch is refused with 413. */
    public HttpSync maxPushScribes(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max push scribes must be positive: " + max);
        }
        this.maxPushScribes = max;
        return this;
    }

    /**
     * The largest request body, in bytes (at most the wire's maximum frame, which bounds it too); a larger one is
     * answered 413 by the HTTP layer before it is read whole. Each connection may buffer this much.
     */
    public HttpSync maxBodyBytes(int max) {
        if (max < 1024) {
            throw new IllegalArgumentException("max body bytes must be at least 1024: " + max);
        }
        this.maxBodyBytes = max;
        return this;
    }

    /**
     * How many pulls and pushes one client may make: {@code perSecond} on average, {@code burst} at once, counted
     * once the request has authenticated; beyond it the answer is 429. Default 20 a second, 40 at once.
     */
    public HttpSync requestRate(double perSecond, int burst) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be positive: " + perSecond + ", " + burst);
        }
        this.requestRate = perSecond;
        this.requestBurst = burst;
        return this;
    }

    /**
     * How many push answers are kept for replays of their {@code message_id}, and for how long. The oldest go first
     * past {@code entries}; a replay after its answer went is played again, which changes nothing (the engine drops
     * scribes it already holds) and is answered afresh.
     */
    public HttpSync replayCache(int entries, Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (entries < 1 || ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("need a positive size and time to live: " + entries + ", " + ttl);
        }
        this.replayEntries = entries;
        this.replayTtl = ttl;
        return this;
    }

    /** How long a request may take before it is answered 503. Default 30 seconds. */
    public HttpSync timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.timeout = timeout;
        return this;
    }
}
