package io.scribe.core;

import io.scribe.core.spi.MessageHandler;
import io.scribe.core.spi.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * The settings of a {@link Scriber.Builder}, each with its default and its check: what the builder collects before
 * {@link Scriber.Builder#build()} hands it to the Scriber's constructor. Not thread-safe.
 */
abstract class ScriberOptions {
    String clientId;
    Store store;
    String storeUrl;
    final List<SyncedClass<?>> classes = new ArrayList<>();
    final Map<String, MessageHandler> handlers = new HashMap<>();
    Wire wire = Wire.scribe();
    Clock clock = Clock.systemUTC();
    Duration requestTimeout = Duration.ofSeconds(30);
    Duration maxClockSkew = Duration.ofHours(1);
    int pageSize = 500;
    int newPeerSnapshot;
    int pushWindow = 256;
    Duration ackDelay = Duration.ofMillis(20);
    Duration receiverAckDelay;
    Duration compactEvery;
    Duration retention = Duration.ofDays(30);
    ScheduledExecutorService timer;
    Conflict.Listener conflictListener = conflict -> {};
    ConnectionStatus.Listener statusListener;
    io.scribe.core.spi.ScribeMetrics metrics = io.scribe.core.spi.ScribeMetrics.NONE;
    com.fasterxml.jackson.databind.ObjectMapper valueMapper = io.scribe.core.internal.Json.MAPPER;
    String authType;
    io.scribe.core.spi.Authenticator authenticator;
    java.util.function.Predicate<Session> relayRule = session -> false;
    boolean sessionTakeover;
    double requestRate = 200;
    int requestBurst = 400;
    Consumer<FailedScribe> failedListener = f -> { };
    Consumer<ScribeException> errorListener =
            e -> Scriber.PROBLEMS.warn("scribe problem [{}]: {}", e.code(), e.getMessage());

    ScriberOptions() {}

    /** This builder, for chaining. */
    abstract Scriber.Builder self();

    /** This peer's GUID, unique among the peers it will meet. Required. */
    public Scriber.Builder clientId(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        if (clientId.isBlank()) {
            throw new IllegalArgumentException("clientId is blank");
        }
        this.clientId = clientId;
        return self();
    }

    /**
     * Where the log, the cursors and the objects live. Required (this or {@link #store(String)});
     * {@link Store#inMemory()} for tests. The store stays the caller's: {@link Scriber#close()} leaves it open.
     */
    public Scriber.Builder store(Store store) {
        this.store = Objects.requireNonNull(store, "store");
        this.storeUrl = null;
        return self();
    }

    /**
     * The store at this URL ({@code memory}, {@code file:DIR}, {@code redis://…}, {@code postgresql://…}; see
     * {@link Store#open(String)}), opened by {@link Scriber.Builder#build()} and owned by the Scriber: {@link Scriber#close()}
     * closes it.
     */
    public Scriber.Builder store(String url) {
        this.storeUrl = Objects.requireNonNull(url, "url");
        this.store = null;
        return self();
    }

    /** Registers synced classes with the default {@link Policy}. */
    public Scriber.Builder register(Class<?>... types) {
        for (Class<?> type : types) {
            register(type, Policy.defaults());
        }
        return self();
    }

    /**
     * Registers one synced class with its policy.
     *
     * @throws IllegalArgumentException if the class has no identity, a final synced field or no no-arg
     *     constructor
     */
    public <T> Scriber.Builder register(Class<T> type, Policy<T> policy) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(policy, "policy");
        for (SyncedClass<?> c : classes) {
            if (c.type == type) {
                throw new IllegalStateException(type.getName() + " was already registered");
            }
        }
        classes.add(new SyncedClass<>(type, policy));
        return self();
    }

    /**
     * Handles an extension message type. The core types ({@code sync}, {@code add_scribe}, {@code rpc},
     * {@code response}, {@code error}, {@code noop}) cannot be replaced.
     */
    public Scriber.Builder handle(String type, MessageHandler handler) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(handler, "handler");
        if (Session.CORE_TYPES.contains(type)) {
            throw new IllegalArgumentException("core message type cannot be replaced: " + type);
        }
        if (handlers.putIfAbsent(type, handler) != null) {
            throw new IllegalStateException("a handler for " + type + " was already set");
        }
        return self();
    }

    /** The wire new sessions use unless {@link Client#connect(io.scribe.core.spi.Connection, Wire)} says
     * otherwise. Default {@link Wire#scribe()}. */
    public Scriber.Builder wire(Wire wire) {
        this.wire = Objects.requireNonNull(wire, "wire");
        return self();
    }

    /** The wall clock under the hybrid logical clock. Default UTC system clock; tests inject their own. */
    public Scriber.Builder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return self();
    }

    /**
     * How far ahead of this peer's wall clock a remote scribe's clock may be; a scribe beyond is refused with
     * error 400, since it would win every later write. Default one hour.
     */
    public Scriber.Builder maxClockSkew(Duration skew) {
        Objects.requireNonNull(skew, "skew");
        if (skew.isNegative()) {
            throw new IllegalArgumentException("skew must not be negative: " + skew);
        }
        this.maxClockSkew = skew;
        return self();
    }

    /** How long a request waits for its answer before it fails. Default 30 seconds. */
    public Scriber.Builder requestTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.requestTimeout = timeout;
        return self();
    }

    /**
     * How many {@code sync} and {@code rpc} requests each session may send: {@code perSecond} on average, up to
     * {@code burst} at once. A request over it is answered with error 429 and the session keeps serving (a
     * Scribe peer asks again a second later). Default 200 a second, burst 400.
     */
    public Scriber.Builder requestRate(double perSecond, int burst) {
        if (!(perSecond > 0) || burst < 1) {
            throw new IllegalArgumentException("rate and burst must be positive: " + perSecond + ", " + burst);
        }
        this.requestRate = perSecond;
        this.requestBurst = burst;
        return self();
    }

    /**
     * How many scribes one catch-up page asks for and answers with at most: also the server-side maximum of
     * every page this peer answers, whatever the request's {@code limit}. Default 500.
     */
    public Scriber.Builder pageSize(int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be positive: " + pageSize);
        }
        this.pageSize = pageSize;
        return self();
    }

    /**
     * Answers a peer that reads this log from its start (a new peer, one back with a new store) a snapshot of the
     * objects it may see, each as a create and an update per other stamp (as after compaction, PROTOCOL.md,
     * "Compaction and snapshots"), instead of the log, when the log holds at least {@code scribesPerObject} scribes
     * for each object (and tombstone) this peer holds: the peer then reads each object once instead of its history.
     * Only for a peer that relays through this one (a client of this server; one that does not is read its own
     * scribes from the log as before) and only on the Scribe wire. The peer's listeners then hear each object's
     * current state rather than each change of it; an object whose scribes together exceed a frame is left out of
     * the snapshot (reported), where the log would have carried it. Off (0) by default.
     */
    public Scriber.Builder newPeerSnapshot(int scribesPerObject) {
        if (scribesPerObject < 0) {
            throw new IllegalArgumentException("scribes per object must be 0 (off) or more: " + scribesPerObject);
        }
        this.newPeerSnapshot = scribesPerObject;
        return self();
    }

    /**
     * How many scribes this peer pushes to one session (Scribe wire) before the peer has answered them: at most
     * this many are in flight, the rest wait in this peer's log (not in memory) and are read from it as answers
     * come in, in log order. A producer faster than a peer therefore never fills memory with frames nor sees
     * its pushes time out while the peer keeps answering; when a push times out and no push at all was
     * answered for the {@link #requestTimeout}, the session closes (the peer stopped reading; it catches up from
     * its cursor when it connects again). A push is never sent back to the session it came from. Syncro
     * sessions are not windowed. Default 256.
     */
    public Scriber.Builder pushWindow(int scribes) {
        if (scribes < 1) {
            throw new IllegalArgumentException("push window must be positive: " + scribes);
        }
        this.pushWindow = scribes;
        return self();
    }

    /**
     * How long this peer may hold back its cumulative {@code ack} of a peer's pushes so that one ack passes more
     * of them (delayed acknowledgement): the ack goes at once when the pushes played since the last one reach
     * half of the pusher's window (which its answer to this peer's {@code sync} states), and at the latest this
     * long after the first of them was stored; a push this peer refuses is answered at once either way. A
     * pusher that states no window (an earlier version) is acked after every read. Longer delays save a server
     * with many clients an answer per change, at the price of the pusher learning later that its changes are
     * stored (its pending count and {@code whenSent} follow acks). {@link Duration#ZERO} acks every read at once.
     * A pusher that states how long its receivers may hold their acks (its {@link #receiverAckDelay}) is acked
     * within that delay instead, on that session. Default 20 ms.
     */
    public Scriber.Builder ackDelay(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("ack delay must not be negative: " + delay);
        }
        this.ackDelay = delay;
        return self();
    }

    /**
     * How long the peers this peer pushes to may hold back their cumulative {@code ack} of its pushes, stated to
     * each of them in the answer to its {@code sync} (the field {@code ackDelay}, in whole milliseconds, beside
     * {@code window}); null (the default) states nothing, and each receiver then uses its own {@link #ackDelay}.
     *
     * <p>A receiver that got the field holds its acks of this peer's pushes on that session for at most this long
     * instead of its own {@code ackDelay}, and still acks at once when half of this peer's {@link #pushWindow} is
     * waiting; a push it refuses is still answered at once with an {@code error}. Only the acks of this peer's pushes
     * are affected: the receiver's own pushes to this peer are acknowledged under this peer's {@code ackDelay}, as
     * before. Receivers of earlier versions ignore the field.
     *
     * <p>Meant for a hub with many receivers of the same changes, where every receiver acking every change costs the
     * hub as much as the changes themselves (one frame in per frame out): with a longer delay each receiver answers
     * the changes of that span with one {@code ack}. The price falls on this peer: it learns that long after a push
     * that the receiver stored it, so {@link Client#pending()} of each receiver, the positions compaction may pass
     * and the pushes held in flight (at most half the window per session) lag by up to the delay. Nothing is sent
     * twice because of it: a receiver's cursor moves when it stores a push, not when it acks, and a receiver that
     * closes sends the ack it holds.
     *
     * @param delay at most 10 seconds (the longest receivers accept), and less than half of
     *     {@link #requestTimeout} (checked when the Scriber is built), so that no push times out while it is held;
     *     {@link Duration#ZERO} asks receivers to ack after every read; null states nothing
     * @throws IllegalArgumentException if {@code delay} is negative or longer than 10 seconds
     */
    public Scriber.Builder receiverAckDelay(Duration delay) {
        if (delay != null && (delay.isNegative() || delay.compareTo(MAX_RECEIVER_ACK_DELAY) > 0)) {
            throw new IllegalArgumentException("receiver ack delay must be between 0 and " + MAX_RECEIVER_ACK_DELAY
                    + ": " + delay);
        }
        this.receiverAckDelay = delay;
        return self();
    }

    /**
     * The longest ack delay a receiver accepts from the answer to its {@code sync} (see {@link #receiverAckDelay}):
     * a longer one is held to this. 10 seconds.
     */
    static final Duration MAX_RECEIVER_ACK_DELAY = Duration.ofSeconds(10);

    /**
     * Compacts this peer's log every {@code every}: removes the scribes that every client connected now or seen
     * within {@code retention} has acknowledged, and the tombstones of objects those scribes destroyed, so the
     * log stays bounded under a steady load. A peer that asks for history from before the compacted position (a
     * new one, or one not seen for longer than {@code retention}) is sent a snapshot of the objects it may see
     * instead, then the log after it; its own changes not sent yet still upload. The store must support it
     * ({@link io.scribe.core.spi.Store#compact}; every store of Scribe does); otherwise compaction turns itself
     * off with a warning. Off by default: then the log keeps all history. See PROTOCOL.md, "Compaction".
     */
    public Scriber.Builder compaction(Duration every, Duration retention) {
        Objects.requireNonNull(every, "every");
        Objects.requireNonNull(retention, "retention");
        if (every.isNegative() || every.isZero() || retention.isNegative()) {
            throw new IllegalArgumentException("compaction needs a positive interval and a retention of zero or"
                    + " more: " + every + ", " + retention);
        }
        this.compactEvery = every;
        this.retention = retention;
        return self();
    }

    /**
     * The scheduler of the engine's timed work: request timeouts, held acknowledgements, writes of acknowledged
     * positions, catch-up retries, scheduled compaction, reading what other nodes appended to a shared store. Default:
     * a daemon thread the Scriber owns and shuts down at close; one given here is left running at close. A test can
     * give one on virtual time (scribe-testkit's {@code ManualTimer}) so that a seeded run replays exactly.
     */
    public Scriber.Builder timer(ScheduledExecutorService timer) {
        this.timer = Objects.requireNonNull(timer, "timer");
        return self();
    }

    /**
     * Receives the problems no caller is waiting for: bad input from a peer, an {@code error} a peer sent
     * without a pending request, a truncated frame at disconnect, a scribe refused in a catch-up page. Default:
     * logged at WARN, each kind of problem (its message with the numbers left out) at most once in 10 seconds
     * with the count of those left out.
     */
    public Scriber.Builder onError(Consumer<ScribeException> listener) {
        this.errorListener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /**
     * Told of each scribe a peer sent that this peer could not store and skipped (see {@link
     * Scriber#failedScribes()} and {@link Scriber#retryFailed()}), on the thread that played it; must not block.
     * Default: none (the error listener hears of it too).
     */
    public Scriber.Builder onFailedScribe(Consumer<FailedScribe> listener) {
        this.failedListener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /**
     * Receives every concurrent write this peer refuses (see {@link Conflict}), after the step that refused it
     * was committed. Default: none.
     */
    public Scriber.Builder onConflict(Conflict.Listener listener) {
        this.conflictListener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /**
     * Receives the status changes of every session (see {@link Session#status()}): connections that catch up,
     * come online and drop. A dropped connection is told here, not to {@link #onError}. Default: none.
     */
    public Scriber.Builder onStatus(ConnectionStatus.Listener listener) {
        this.statusListener = Objects.requireNonNull(listener, "listener");
        return self();
    }

    /**
     * Where to count what this peer does: scribes recorded, played, relayed and refused, commit times, catch-up
     * pages, bytes in and out (see {@link io.scribe.core.spi.ScribeMetrics}; the {@code scribe-micrometer}
     * module has a Micrometer implementation). Default: {@link io.scribe.core.spi.ScribeMetrics#NONE}.
     */
    public Scriber.Builder metrics(io.scribe.core.spi.ScribeMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        return self();
    }

    /**
     * Configures how the values of synced fields (value objects, records, dates, collections) and rpc arguments
     * and results become JSON: {@code configure} receives a copy of Scribe's own Jackson {@code ObjectMapper}
     * (fields read directly, any visibility; Java time as ISO-8601 text; unknown properties ignored) and may
     * register modules, set a property naming strategy, add mix-ins or serializers. It does not change the
     * messages of the protocol, the names of synced fields (their Java names), or how stores keep JSON. Peers
     * that exchange a class must convert its values the same way. Each call starts again from Scribe's default.
     *
     * <pre>{@code
     * Scriber.builder().mapper(m -> m.registerModule(new MoneyModule())
     *         .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE))
     * }</pre>
     */
    public Scriber.Builder mapper(java.util.function.Consumer<com.fasterxml.jackson.databind.ObjectMapper> configure) {
        Objects.requireNonNull(configure, "configure");
        com.fasterxml.jackson.databind.ObjectMapper copy = io.scribe.core.internal.Json.MAPPER.copy();
        configure.accept(copy);
        this.valueMapper = copy;
        return self();
    }

    /**
     * Requires every session to authenticate first, with a message of type {@code messageType} that
     * {@code authenticator} checks. Until it succeeds, a session answers any other request with error 401,
     * ignores the peer's responses and errors (they are reported to the error listener), pushes nothing and
     * defers its own {@link Session#sync()}; once it succeeds, the session answers {@code response{id, result:
     * {principal}}}, knows its {@link Session#principal()} and starts the deferred catch-up. Meant for servers;
     * the connecting side sends the message itself (for example from the transport's session callback, before
     * its catch-up request).
     *
     * @throws IllegalArgumentException if {@code messageType} is a core message type
     * @throws IllegalStateException if an authenticator was already set
     */
    public Scriber.Builder authenticate(String messageType, io.scribe.core.spi.Authenticator authenticator) {
        Objects.requireNonNull(messageType, "messageType");
        Objects.requireNonNull(authenticator, "authenticator");
        if (Session.CORE_TYPES.contains(messageType)) {
            throw new IllegalArgumentException("core message type cannot authenticate: " + messageType);
        }
        if (this.authenticator != null) {
            throw new IllegalStateException("an authenticator was already set for " + authType);
        }
        this.authType = messageType;
        this.authenticator = authenticator;
        return self();
    }

    /**
     * Which sessions are trusted relays, besides those marked by {@link Session#trustAsRelay()}: a trusted relay
     * may forward scribes whose origin is another peer (server nodes relaying to each other, a server this peer
     * connected to). Every other session introduces only scribes of its own client; a scribe naming another
     * origin is refused with error 403 and reported. Asked for each such scribe, after authentication when the
     * Scriber requires it (so {@code session -> session.principal().filter(nodes::contains).isPresent()} works).
     * Default: none.
     */
    public Scriber.Builder trustRelays(java.util.function.Predicate<Session> rule) {
        this.relayRule = Objects.requireNonNull(rule, "rule");
        return self();
    }

    /**
     * What happens, when sessions need no authentication, if a client that has an open session connects again
     * (see {@link Client#connect(io.scribe.core.spi.Connection, Wire)}). {@code false}, the default: the new
     * session is refused with error 409, since anyone can name any client and would otherwise cut the real one
     * off; a reconnect behind a half-open connection waits for the transport to drop that one (its idle
     * timeout). {@code true}: the older session is closed at once; only for networks where every peer is
     * trusted. With authentication the older sessions always give way once the new one has authenticated.
     */
    public Scriber.Builder sessionTakeover(boolean takeover) {
        this.sessionTakeover = takeover;
        return self();
    }
}
