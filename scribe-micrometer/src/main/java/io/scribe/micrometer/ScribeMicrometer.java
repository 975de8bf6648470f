package io.scribe.micrometer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.scribe.core.ConnectionStatus;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.ScribeMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts what one {@link Scriber} does in a Micrometer {@link MeterRegistry}. Give it to the builder, then let it
 * watch the Scriber for the gauges:
 *
 * <pre>{@code
 * ScribeMicrometer metrics = new ScribeMicrometer(registry, Tags.of("scriber", "laptop"));
 * Scriber scriber = Scriber.builder().clientId("laptop").store(store).metrics(metrics).build();
 * metrics.monitor(scriber);
 * }</pre>
 *
 * <p>Meters (every one carries the tags given here; {@code peer} is the other peer's GUID):
 * <ul>
 *   <li>{@code scribe.scribes.recorded}: scribes recorded on this peer and stored;</li>
 *   <li>{@code scribe.scribes.played} {peer}: scribes from that peer played and stored;</li>
 *   <li>{@code scribe.scribes.relayed} {peer}: scribes pushed to that peer;</li>
 *   <li>{@code scribe.scribes.refused} {peer, code}: scribes and messages from that peer refused, by error code;</li>
 *   <li>{@code scribe.commit}: a timer of store commits (the latency of each step's write);</li>
 *   <li>{@code scribe.catchup.pages}, {@code scribe.catchup.scribes} {peer}: catch-up pages read from that peer and
 *       the scribes they held; {@code scribe.sessions.catching.up}: sessions whose catch-up has not finished;</li>
 *   <li>{@code scribe.replication.lag.scribes} {peer}: scribes recorded here that the peer has not acknowledged
 *       ({@link io.scribe.core.Client#pending()}); {@code scribe.replication.lag.seconds} {peer}: the age of the
 *       oldest of them (0 when none);</li>
 *   <li>{@code scribe.sessions}: open sessions;</li>
 *   <li>{@code scribe.bytes.in}, {@code scribe.bytes.out} {peer}: bytes read from and written to that peer (frames
 *       with their prefixes; characters for a message transport).</li>
 * </ul>
 * Per-peer gauges appear once this peer has exchanged something with that peer. The lag gauges read the store's log
 * after the peer's acknowledged position when the registry is scraped.
 *
 * <p>Thread-safe.
 */
public final class ScribeMicrometer implements ScribeMetrics {

    private final MeterRegistry registry;
    private final Tags tags;
    private final Clock clock;
    private final Counter recorded;
    private final Timer commit;
    private final ConcurrentMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final Set<String> peers = ConcurrentHashMap.newKeySet();
    private final Set<String> gauged = ConcurrentHashMap.newKeySet();
    private volatile Scriber scriber;

    /** Meters without extra tags, lag measured against the system clock. */
    public ScribeMicrometer(MeterRegistry registry) {
        this(registry, Tags.empty(), Clock.systemUTC());
    }

    /** Meters with {@code tags} (for example the Scriber's GUID, when several share a registry). */
    public ScribeMicrometer(MeterRegistry registry, Iterable<Tag> tags) {
        this(registry, tags, Clock.systemUTC());
    }

    /**
     * Meters with {@code tags}; the replication lag in seconds is measured against {@code clock} (give the Scriber's
     * own clock in tests that use a manual one).
     */
    public ScribeMicrometer(MeterRegistry registry, Iterable<Tag> tags, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        this.clock = Objects.requireNonNull(clock, "clock");
        this.recorded = Counter.builder("scribe.scribes.recorded").description("scribes recorded on this peer")
                .tags(this.tags).register(registry);
        this.commit = Timer.builder("scribe.commit").description("store commits of one step")
                .tags(this.tags).register(registry);
    }

    /**
     * Registers the gauges that read {@code scriber}: its sessions, and the replication lag of each peer it has
     * exchanged scribes with. Call once, after building the Scriber with this as its metrics.
     *
     * @throws IllegalStateException if a Scriber is monitored already
     */
    public void monitor(Scriber scriber) {
        Objects.requireNonNull(scriber, "scriber");
        synchronized (this) {
            if (this.scriber != null) {
                throw new IllegalStateException("already monitoring scriber " + this.scriber.id());
            }
            this.scriber = scriber;
        }
        Gauge.builder("scribe.sessions", scriber, s -> s.sessions().size()).description("open sessions")
                .tags(tags).strongReference(true).register(registry);
        Gauge.builder("scribe.sessions.catching.up", scriber, ScribeMicrometer::catchingUp)
                .description("sessions whose catch-up has not reached the end of the peer's log")
                .tags(tags).strongReference(true).register(registry);
        peers.forEach(this::gaugeLag);
    }

    private static double catchingUp(Scriber scriber) {
        int n = 0;
        for (Session s : scriber.sessions()) {
            if (s.status().state() == ConnectionStatus.State.CATCHING_UP) {
                n++;
            }
        }
        return n;
    }

    private void seen(String peer) {
        if (peers.add(peer) && scriber != null) {
            gaugeLag(peer);
        }
    }

    private void gaugeLag(String peer) {
        Scriber s = scriber;
        if (s == null || !gauged.add(peer)) {
            return;
        }
        Tags t = tags.and("peer", peer);
        Gauge.builder("scribe.replication.lag.scribes", s, x -> x.client(peer).pending())
                .description("scribes recorded here that the peer has not acknowledged")
                .tags(t).strongReference(true).register(registry);
        Gauge.builder("scribe.replication.lag.seconds", s, x -> x.client(peer).oldestPending()
                        .map(at -> Math.max(0, Duration.between(at, clock.instant()).toMillis()) / 1000.0)
                        .orElse(0.0))
                .description("age of the oldest scribe recorded here that the peer has not acknowledged")
                .baseUnit("seconds").tags(t).strongReference(true).register(registry);
    }

    private Counter counter(String name, String description, String unit, String... tagPairs) {
        String key = name + '\u0000' + String.join("\u0000", tagPairs);
        Counter c = counters.get(key);
        if (c == null) {
            Counter.Builder b = Counter.builder(name).description(description).tags(tags).tags(tagPairs);
            if (unit != null) {
                b.baseUnit(unit);
            }
            c = counters.computeIfAbsent(key, k -> b.register(registry));
        }
        return c;
    }

    @Override
    public void recorded(Scribe scribe) {
        recorded.increment();
    }

    @Override
    public void played(Scribe scribe, String from) {
        seen(from);
        counter("scribe.scribes.played", "scribes from a peer played and stored", null, "peer", from).increment();
    }

    @Override
    public void relayed(Scribe scribe, String to) {
        seen(to);
        counter("scribe.scribes.relayed", "scribes pushed to a peer", null, "peer", to).increment();
    }

    @Override
    public void refused(String from, int code) {
        counter("scribe.scribes.refused", "scribes and messages from a peer refused", null, "peer", from,
                "code", Integer.toString(code)).increment();
    }

    @Override
    public void committed(int scribes, long nanos) {
        commit.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void caughtUpPage(String from, int scribes, boolean more) {
        seen(from);
        counter("scribe.catchup.pages", "catch-up pages read from a peer", null, "peer", from).increment();
        counter("scribe.catchup.scribes", "scribes in catch-up pages read from a peer", null, "peer", from)
                .increment(scribes);
    }

    @Override
    public void bytesIn(String peer, long bytes) {
        counter("scribe.bytes.in", "bytes read from a peer", "bytes", "peer", peer).increment(bytes);
    }

    @Override
    public void bytesOut(String peer, long bytes) {
        counter("scribe.bytes.out", "bytes written to a peer", "bytes", "peer", peer).increment(bytes);
    }
}
