package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Hlc;
import io.scribe.core.internal.capture.Hooks;
import io.scribe.core.spi.MessageHandler;
import io.scribe.core.spi.Store;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer's engine: its GUID, its store, the registered classes and the identity map of their live objects. It
 * records local changes as scribes, plays remote ones, and relays between the sessions of its clients.
 *
 * <pre>{@code
 * Scriber scriber = Scriber.builder().clientId("laptop").store(Store.inMemory()).register(Task.class).build();
 * Session session = scriber.client("server").connect(connection);
 * session.sync();
 * Task task = scriber.create(new Task("write docs"));
 * task.title = "write the docs";
 * scriber.save(task);                       // records an update of "title" and pushes it to the server
 * }</pre>
 *
 * <p>Thread-safe: every change of state happens under one lock; messages are sent after it is released, in the
 * order they were produced. Several Scribers can live in one JVM; an object belongs to the Scriber that created or
 * received it.
 */
public final class Scriber implements AutoCloseable {

    // This class is the facade: the builder, the public API and the state every part shares (the lock, the store,
    // the clock, the sessions). The work is done by package-private stages that hold a reference to it, each in its
    // own class:
    //   IdentityMap     the held state of every object and the live object of each identity
    //   Classes         the registered classes, by wire name and by type
    //   Scopes          each thread's recording scopes and atomic block
    //   LocalRecorder   records this peer's own creates, saves and destroys as scribes
    //   GroupCommit     commits the local writes of several threads together, with one store commit
    //   Player          plays the scribes peers send: admission of a batch, play of one scribe by its type
    //   Merger          merges a played scribe field by field: corrections, conflicts, follow-ups
    //   Committer       stores a step (a Txn) and makes it visible; absorbs appends to a shared store
    //   Relay           decides which sessions may see a scribe, queues it on them and sends what they queued
    //   FailedScribes   scribes peers sent that could not be stored here, and their retry
    //   Restorer        loads the objects of the store when the Scriber is built
    //   ScriberRecorder connects objects of enhanced classes (what the capture hooks call)
    //   Refusals        undoes, on the writer, a write its server refused for good
    // A Session speaks to one peer (its message loop and requests) with its own stages: Outbox (what it sends, in
    // order) and Answers (its responses and errors), Pusher (live pushes and their window), PageAnswer (a page of
    // this log for the peer's sync), CatchUp (the peer's pages, asked for and played), SyncroAnswer and SyncroPeer
    // (what a clockless Syncro peer is answered and needs besides); Client is what a peer is remembered by.

    private static final Logger log = LoggerFactory.getLogger(Scriber.class);
    /** The default error listener's log: a problem repeated by a misbehaving peer is written once per interval. */
    static final io.scribe.core.internal.ThrottledLog PROBLEMS =
            new io.scribe.core.internal.ThrottledLog(log, Duration.ofSeconds(10));

    /** The start of the names this peer keeps its own records under among the cursors (see {@link #client}). */
    static final String RESERVED_PREFIX = "~";

    /** The rpc class Syncro peers call for {@code last_scribe_id}. */
    static final String SYNCRO_RPC_KLASS = "Syncro::RPC::Default";

    final String guid;
    /** The identity of this store's log, stated in every answer to a sync (see {@link LogIdentity}). */
    volatile String logId;
    final Store store;
    final Wire wire;
    final Duration requestTimeout;
    final int pageSize;
    /** See {@link Builder#newPeerSnapshot}; 0: off. */
    final int newPeerSnapshot;
    final int pushWindow;
    /** How long a cumulative ack may wait for more pushes to pass (see {@link Builder#ackDelay}). */
    final Duration ackDelay;
    /** How long this peer's receivers may hold their acks, stated in its sync answers (see {@link
     * Builder#receiverAckDelay}); null when it states nothing. */
    final Duration receiverAckDelay;
    final ScheduledExecutorService timer;
    private final boolean ownsTimer;
    private final boolean ownsStore;
    private final java.util.concurrent.ScheduledFuture<?> sweeper;
    final Hlc hlc;
    final Clock wallClock;
    final Duration maxClockSkew;
    /** The registered classes (see {@link Classes}). */
    final Classes classes;
    final Map<String, MessageHandler> handlers;
    private final Consumer<ScribeException> errorListener;
    final Conflict.Listener conflictListener;
    /** Converts synced field values and rpc arguments to and from JSON (see {@link Builder#mapper}). */
    final com.fasterxml.jackson.databind.ObjectMapper valueMapper;
    /** What is counted (see the scribe-micrometer module). */
    final io.scribe.core.spi.ScribeMetrics metrics;
    /** Told of every session's status changes; null when none was set. */
    final ConnectionStatus.Listener statusListener;
    /** The authentication message type and its checker, or null when sessions need no authentication. */
    final String authType;
    final io.scribe.core.spi.Authenticator authenticator;
    /** Which sessions may forward scribes of other origins besides those marked by {@link Session#trustAsRelay()}. */
    final java.util.function.Predicate<Session> relayRule;
    /** Whether, without authentication, a new session of a client closes its open one instead of being refused. */
    final boolean sessionTakeover;
    /** Each session's allowance of sync and rpc requests: per second, and at once. */
    final double requestRate;
    final int requestBurst;

    final ReentrantLock lock = new ReentrantLock();
    /** The held states and live objects (see {@link IdentityMap}); guarded by {@link #lock}. */
    final IdentityMap live;
    /** The clients this peer holds a record of (see {@link Clients}). */
    final Clients clients = new Clients(this);

    final List<Session> sessions = new CopyOnWriteArrayList<>();
    final Map<Class<?>, List<Change.Listener<?>>> listeners = new ConcurrentHashMap<>();
    /** Scribes pushed to this peer, waiting to be played; see {@link Player#playIncoming()}. */
    final ConcurrentLinkedQueue<Incoming> incoming = new ConcurrentLinkedQueue<>();

    /** An {@code add_scribe} received on {@code session}, answered once it was played and stored. */
    record Incoming(Session session, JsonNode requestId, Scribe scribe, long frameBytes) {}
    /** Each thread's recording scopes and atomic block (see {@link Scopes}). */
    final Scopes scopes = new Scopes();
    volatile boolean closed;
    /** Plays the scribes peers send (see {@link Player}), merging them field by field (see {@link Merger}). */
    final Merger merger = new Merger(this);
    final Player player = new Player(this, merger);
    /** Records the changes of this peer's own objects (see {@link LocalRecorder}). */
    final LocalRecorder local = new LocalRecorder(this);
    /** Commits the local writes of several threads together (see {@link GroupCommit}). */
    final GroupCommit writes = new GroupCommit(this);
    /** Stores each step and makes it visible (see {@link Committer}); set once the log position is read. */
    final Committer committer;
    /** What this node has seen of a log other processes may append to. */
    final SharedLog sharedLog;
    /** Queues what each step makes visible on the sessions entitled to it, and sends it (see {@link Relay}). */
    final Relay relay = new Relay(this);
    /** The scribes peers sent that could not be stored here (see {@link #failedScribes()}). */
    final FailedScribes failures;
    /** What enhanced objects of this peer are bound to. */
    final ScriberRecorder recorder = new ScriberRecorder(this);
    /** Removes history every peer has (see {@link Builder#compaction}). */
    final Compactor compactor;

    private Scriber(Builder b) {
        this.guid = b.clientId;
        this.store = b.store;
        this.live = new IdentityMap(store);
        this.ownsStore = b.storeUrl != null;
        this.wire = b.wire;
        this.requestTimeout = b.requestTimeout;
        this.pageSize = b.pageSize;
        this.newPeerSnapshot = b.newPeerSnapshot;
        this.pushWindow = b.pushWindow;
        this.ackDelay = b.ackDelay;
        this.receiverAckDelay = b.receiverAckDelay;
        this.hlc = new Hlc(b.clock);
        this.wallClock = b.clock;
        this.maxClockSkew = b.maxClockSkew;
        this.handlers = Map.copyOf(b.handlers);
        this.errorListener = b.errorListener;
        this.failures = new FailedScribes(this, b.failedListener);
        this.conflictListener = b.conflictListener;
        this.statusListener = b.statusListener;
        this.metrics = b.metrics;
        this.authType = b.authType;
        this.authenticator = b.authenticator;
        this.relayRule = b.relayRule;
        this.sessionTakeover = b.sessionTakeover;
        this.requestRate = b.requestRate;
        this.requestBurst = b.requestBurst;
        if (b.timer != null) {
            this.timer = b.timer;
            this.ownsTimer = false;
        } else {
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "scribe-timer-" + guid);
                t.setDaemon(true);
                return t;
            });
            this.ownsTimer = true;
        }
        this.valueMapper = b.valueMapper;
        this.classes = new Classes(b.classes, b.valueMapper, guid);
        // Read before the objects, so that an append by another node in between is absorbed, not skipped.
        this.sharedLog = new SharedLog(this, store.lastId());
        this.logId = LogIdentity.load(store);
        this.committer = new Committer(this, b.wire.maxFrameBytes());
        committer.frames.restore(store);
        Restorer.restore(this);
        long sweep = Math.max(10, Math.min(1000, requestTimeout.toMillis() / 4));
        this.sweeper = timer.scheduleWithFixedDelay(
                relay::expireRequests, sweep, sweep, java.util.concurrent.TimeUnit.MILLISECONDS);
        store.watch(() -> {
            if (!closed) {
                timer.execute(sharedLog::absorb);
            }
        });
        this.compactor = new Compactor(this, b.compactEvery, b.retention);
    }

    /** Returns a builder; {@code clientId} and {@code store} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Whether sessions must authenticate before anything else (see {@link Builder#authenticate}). Transports use it
     * to leave a client's older sessions open until the new one has authenticated.
     */
    public boolean requiresAuthentication() {
        return authenticator != null;
    }

    /** The type of the message sessions authenticate with (see {@link Builder#authenticate}), if they must. */
    public Optional<String> authenticationType() {
        return Optional.ofNullable(authType);
    }

        /** This peer's GUID. */
    public String id() {
        return guid;
    }

    /** The store this peer keeps its log, cursors and objects in. */
    public Store store() {
        return store;
    }

    /**
     * The identity of this peer's log: a name given to it when its store was first opened, stated with every answer to
     * a {@code sync} so that peers tell a position in this log from one in another (a store lost or replaced; see
     * PROTOCOL.md, "Which log a cursor is a position of"). Transports that answer catch-ups themselves state it too.
     */
    public String logIdentity() {
        return logId;
    }

    /** The id of the newest scribe in this peer's log, 0 when it is empty. */
    public long lastScribeId() {
        return store.lastId();
    }

    /**
     * Declares that this peer serves peers over {@code wire}; a transport's server (and client) calls it when it
     * starts, before any peer connects. From then on a local change whose {@code add_scribe} would not fit one of
     * its frames is refused when it is recorded (413), and so is a scribe another peer sends that could not be
     * relayed in one: nothing is stored that a peer of this wire could never get. The limit only narrows (the
     * smallest frame of every wire declared, of the builder's wire and of every session opened).
     */
    public void serves(Wire wire) {
        committer.frames.note(Objects.requireNonNull(wire, "wire"));
    }

    /**
     * Finds or creates the client with this GUID; its cursor lives in the store.
     *
     * @throws IllegalArgumentException for this peer's own GUID
     * @throws ScribeException 400 for an id starting with {@code ~}: such names are this peer's own records among
     *     the cursors in the store (a client's acknowledged position, the compaction mark), which a peer naming itself
     *     so would overwrite; and for an id that is empty, longer than 256 chars, or holds a control character or half
     *     a surrogate pair (a key of the store's cursors); transports refuse such a hello with that error
     */
    public Client client(String clientId) {
        return clients.named(clientId);
    }

    /** The longest client id a peer may name itself by. */
    static final int MAX_CLIENT_ID = io.scribe.core.internal.LogPosition.MAX_ORIGIN;

    /**
     * Forgets a client that will never come back under its id (a Syncro peer named after one connection): its record
     * here and its stored cursor, so that such clients do not pile up. A client with an open session is kept.
     *
     * @return whether the client was forgotten (false while it has an open session)
     */
    public boolean forgetClient(String clientId) {
        return clients.forget(Objects.requireNonNull(clientId, "clientId"));
    }

    /**
     * Compacts this peer's log now, as far as {@link Builder#compaction} allows (with the builder's retention, or 30
     * days when compaction was not configured): removes the scribes every client connected or seen within the
     * retention window has acknowledged, and the tombstones of the objects they destroyed. Thread-safe; reads the
     * store.
     *
     * @return the id of the last scribe removed from the log so far (0 when none)
     */
    public long compact() {
        return compactor.compact();
    }

    /** The number of clients this peer holds a record of (connected or not). */
    public int clientCount() {
        return clients.count();
    }

    /** The sessions currently connected, to any client. */
    public List<Session> sessions() {
        return List.copyOf(sessions);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Local changes

    /**
     * Starts tracking {@code object} and records its {@code create}. A null String identity is assigned a UUID.
     *
     * @return {@code object}
     * @throws IllegalArgumentException if its class is not registered
     * @throws IllegalStateException if it is already tracked, or an object with its identity exists or existed
     */
    public <T> T create(T object) {
        return local.create(object);
    }

    /**
     * Records a {@code create} of an object this peer already tracks, carrying its recorded fields with a new clock:
     * a peer that does not hold it (one the class's policy has just started to let see it) creates it, live or on
     * catch-up, and a peer that holds it merges the same values. For a change of who may see an object; the values
     * are the last recorded ones (save first). Like a correction, it re-stamps values without changing them: each
     * field's new stamp, here and on every peer that takes it, has the new clock and, as its base, the clock of the
     * stamp it replaces (so a resolver can tell that a write based on that older stamp saw the same value).
     *
     * @return the recorded scribe, or empty while recording of creates is off for {@code object}
     * @throws IllegalStateException if {@code object} is not tracked by this Scriber
     */
    public Optional<Scribe> republish(Object object) {
        return local.republish(object);
    }

    /**
     * Records an {@code update} with the synced fields of {@code object} that differ from its last recorded or
     * played state. Nothing is recorded when nothing changed, or while recording is off for updates of this object
     * (see {@link #withoutRecording(Runnable)}); the fields then stay pending for the next save.
     *
     * @return the recorded scribe, or empty when nothing was recorded
     * @throws IllegalStateException if {@code object} is not tracked by this Scriber
     */
    public Optional<Scribe> save(Object object) {
        return local.save(object);
    }

    /**
     * Stops tracking {@code object}, leaves a tombstone (its identity is never reused) and records its
     * {@code destroy}.
     *
     * @throws IllegalStateException if {@code object} is not tracked by this Scriber
     */
    public void destroy(Object object) {
        local.destroy(object);
    }

    /**
     * The live object of class {@code type} or of a registered subclass of it with identity {@code id}, if this peer
     * has one; an object of {@code type} itself first, then of its subclasses in the order they were registered.
     *
     * @throws IllegalArgumentException if neither {@code type} nor a subclass of it is registered
     */
    public <T> Optional<T> find(Class<T> type, Object id) {
        List<SyncedClass<?>> cs = classes.assignableTo(type);
        String text = String.valueOf(id);
        lock.lock();
        try {
            for (int i = 0; i < cs.size(); i++) {
                Object found = live.object(new Key(cs.get(i).klass, text));
                if (found != null) {
                    return Optional.of(type.cast(found));
                }
            }
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every live object of class {@code type} and of its registered subclasses, in no particular order.
     *
     * @throws IllegalArgumentException if neither {@code type} nor a subclass of it is registered
     */
    public <T> List<T> all(Class<T> type) {
        List<SyncedClass<?>> cs = classes.assignableTo(type);
        lock.lock();
        try {
            return live.all(cs, type);
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code object} is tracked by this Scriber. */
    public boolean tracks(Object object) {
        lock.lock();
        try {
            return live.holds(object);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Enhanced classes: the current Scriber of a thread (what the capture hooks call is in ScriberRecorder)

    /**
     * Makes this Scriber the current one on this thread until the scope is closed: an enhanced {@code @Synced}
     * object whose outermost constructor finishes meanwhile is bound to this Scriber and its {@code create} is
     * recorded. Objects constructed outside any scope are plain and record nothing (until {@link #create(Object)}).
     * Scopes nest; the innermost wins. While a method of a bound object runs, that object's Scriber is current.
     *
     * <pre>{@code
     * try (Scriber.Scope scope = scriber.open()) {
     *     Task task = new Task("write the docs");   // recorded: create
     *     task.setTitle("write them");               // recorded: update
     * }
     * }</pre>
     *
     * @return the scope; close it on this thread, innermost first
     * @throws IllegalStateException if this Scriber is closed
     */
    public Scope open() {
        checkOpen();
        int depth = Hooks.openScope(recorder);
        return new Scope() {
            private boolean done;

            @Override
            public void close() {
                if (!done) {
                    Hooks.closeScope(depth);
                    done = true;
                }
            }
        };
    }

    /** Runs {@code block} with this Scriber current on this thread (see {@link #open()}). */
    public void run(Runnable block) {
        Objects.requireNonNull(block, "block");
        try (Scope scope = open()) {
            block.run();
        }
    }

    /**
     * Calls {@code block} with this Scriber current on this thread (see {@link #open()}) and returns its result:
     * {@code Task task = scriber.call(() -> new Task("write the docs"));}
     */
    public <T> T call(Supplier<T> block) {
        Objects.requireNonNull(block, "block");
        try (Scope scope = open()) {
            return block.get();
        }
    }

    /**
     * Calls {@code block} under the engine's lock and returns its result. While it runs, no change from a peer is
     * played and no other thread records, saves or finds anything here, so a read-modify-write inside it (read
     * fields, compute, write them, {@link #save(Object) save}) writes over exactly the values it read: a remote
     * change that arrives meanwhile is played after it and merged by the usual rules, instead of being overwritten
     * by a stale value the block had read before the change arrived. Without it, an edit computed from an object
     * while a peer's change of another field is being played can carry that field's old value back as a newer write.
     *
     * <p>Reentrant. Scribes recorded inside are committed as they are recorded (it is not a transaction that rolls
     * back) and sent to peers when the outermost block ends. Every session and every writing thread waits while it
     * runs: keep it to the read, the computation and the writes, with no I/O.
     *
     * @throws IllegalStateException if this Scriber is closed
     */
    public <T> T atomically(Supplier<T> block) {
        Objects.requireNonNull(block, "block");
        lock.lock();
        boolean outermost = false;
        try {
            checkOpen();
            outermost = scopes.enterAtomic();
            return block.get();
        } finally {
            if (outermost) {
                scopes.leaveAtomic();
            }
            lock.unlock();
            if (outermost) {
                flush();
            }
        }
    }

    /** {@link #atomically(Supplier)} for a block without a result. */
    public void atomically(Runnable block) {
        Objects.requireNonNull(block, "block");
        atomically(() -> {
            block.run();
            return null;
        });
    }

    /** A thread's current Scriber, from {@link #open()} until {@link #close()}. */
    @FunctionalInterface
    public interface Scope extends AutoCloseable {
        /**
         * Ends the scope; the previous one is current again. Idempotent.
         *
         * @throws IllegalStateException if called on another thread, or before an inner scope was closed
         */
        @Override
        void close();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Recording scopes

    /**
     * Runs {@code block} with recording off on this thread: no scribe is recorded while it runs. A synced field it
     * changes stays different from the last recorded state, so it goes out with the object's next recorded update.
     */
    public void withoutRecording(Runnable block) {
        scopes.recordingOnly((type, object) -> false, block);
    }

    /** Runs {@code block} with recording off for {@code target} only, on this thread. */
    public void withoutRecording(Object target, Runnable block) {
        Objects.requireNonNull(target, "target");
        scopes.recordingOnly((type, object) -> object != target, block);
    }

    /** Runs {@code block} recording only scribes of the given types, on this thread. */
    public void recordingOnly(Set<Scribe.Type> types, Runnable block) {
        EnumSet<Scribe.Type> allowed = types.isEmpty() ? EnumSet.noneOf(Scribe.Type.class) : EnumSet.copyOf(types);
        scopes.recordingOnly((type, object) -> allowed.contains(type), block);
    }

    /** Runs {@code block} recording every type of scribe except the given ones, on this thread. */
    public void recordingExcept(Set<Scribe.Type> types, Runnable block) {
        EnumSet<Scribe.Type> refused = types.isEmpty() ? EnumSet.noneOf(Scribe.Type.class) : EnumSet.copyOf(types);
        scopes.recordingOnly((type, object) -> !refused.contains(type), block);
    }

    /** Whether a change of {@code type} to {@code object} made now on this thread would be recorded. */
    public boolean recording(Scribe.Type type, Object object) {
        return scopes.records(type, object);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Listeners

    /**
     * Calls {@code listener} for every change applied to objects of {@code type}, local or remote, once it is stored,
     * under the engine lock, on the thread that committed it: for a local write, the writer's thread or that of
     * another writer whose group commit carried it (see {@link GroupCommit}). A listener must therefore not wait for
     * a lock a writer may hold while calling this Scriber, nor count on the writer's thread-local state; slow or
     * blocking work belongs on an executor of its own. The objects of the registered subclasses of {@code type} are
     * heard too, as {@link #find} and {@link #all} reach them.
     *
     * @return a registration whose {@code close()} removes the listener
     * @throws IllegalArgumentException if neither {@code type} nor a subclass of it is registered
     */
    public <T> Registration listen(Class<T> type, Change.Listener<? super T> listener) {
        List<SyncedClass<?>> cs = classes.assignableTo(type);
        Objects.requireNonNull(listener, "listener");
        List<List<Change.Listener<?>>> lists = new java.util.ArrayList<>(cs.size());
        for (SyncedClass<?> c : cs) {
            List<Change.Listener<?>> list = listeners.computeIfAbsent(c.type, t -> new CopyOnWriteArrayList<>());
            list.add(listener);
            lists.add(list);
        }
        return () -> lists.forEach(list -> list.remove(listener));
    }

    /** Removes what it registered. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the stages and sessions call: commit, flush, lookups

    /**
     * Writes {@code tx} to the store and makes it visible (see {@link Committer#commit}). Caller holds the lock.
     */
    List<Scribe> commit(Txn tx) {
        return committer.commit(tx);
    }

    /** Sends what the last steps queued (see {@link Relay#flush}). Called after the lock is released. */
    void flush() {
        if (scopes.inAtomic()) {
            // Sent when the atomically block ends, not from inside it, so that a connection that answers on the
            // sending thread cannot have a peer's change played within the block.
            return;
        }
        relay.flush();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Failed scribes (see FailedScribes)

    /**
     * The scribes (the latest 1,000) that peers sent and this peer could not store, newest last: each was skipped so
     * that what follows it still arrives, and stays listed until {@link #retryFailed()} stores it. They are kept in
     * the store (a small record each: who sent it, its id, and the position before it in the sender's log), so a
     * restart still lists them; the scribe itself is fetched again from its sender on retry. Each is also reported to
     * the error listener and to {@link Builder#onFailedScribe}. A scribe refused by a check (a bad value, a class not
     * registered) is not listed: it is answered with an error at once.
     */
    public List<FailedScribe> failedScribes() {
        return failures.list();
    }

    /**
     * Tries again to store the {@link #failedScribes()} whose sender is connected now, after the application fixed
     * what made them fail (a store limit raised, a store repaired, a restart with another configuration): each is
     * fetched again from its sender (a {@code sync} from the position before it) and played alone, merged like any
     * scribe (it overrides only what is older; a clockless Syncro scribe fills in only what is missing). The cursor
     * in the sender's log does not move. Those stored now leave the list (and the store); the others stay.
     *
     * @return completes with the failed scribes still listed once every attempt finished
     */
    public java.util.concurrent.CompletableFuture<List<FailedScribe>> retryFailed() {
        return failures.retry();
    }

    /** How many scribes were skipped because they could not be stored, since this Scriber started. */
    public long failedScribeCount() {
        return failures.count();
    }

    void report(ScribeException problem) {
        try {
            errorListener.accept(problem);
        } catch (RuntimeException e) {
            log.warn("error listener failed", e);
        }
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("scriber " + guid + " is closed");
        }
    }

    /**
     * Disconnects every session, after sending each the ack it holds back (see {@link Builder#ackDelay}), writes the
     * acknowledged positions that wait to be written, and stops the timer this Scriber created. A store given to the
     * builder as an object is the caller's and stays open; a store the builder opened from a URL ({@link
     * Builder#store(String)}) is this Scriber's and is closed last.
     */
    @Override
    public void close() {
        closed = true;
        for (Session s : sessions) {
            try {
                // What was played and stored is acknowledged before the session closes, not left to the delay.
                s.acknowledgeNow();
            } catch (RuntimeException e) {
                log.debug("session {}: held ack not sent at close", s.client().id(), e);
            }
            s.disconnect();
        }
        try {
            committer.closeAcknowledged();
        } catch (RuntimeException e) {
            log.debug("acknowledged positions not written at close", e);
        }
        sweeper.cancel(false);
        compactor.cancel();
        if (ownsTimer) {
            timer.shutdownNow();
        }
        if (ownsStore) {
            store.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Builds a {@link Scriber}: the settings and their defaults are those of its setters. Not thread-safe; each
     * setter checks its argument.
     */
    public static final class Builder extends ScriberOptions {

        private Builder() {}

        @Override
        Builder self() {
            return this;
        }

        /**
         * Builds the Scriber and restores the objects of its store.
         *
         * @throws IllegalStateException if the client id or the store is missing, or the {@link #receiverAckDelay}
         *     is not less than half the {@link #requestTimeout}
         */
        public Scriber build() {
            if (clientId == null) {
                throw new IllegalStateException("clientId is required");
            }
            if (store == null && storeUrl == null) {
                throw new IllegalStateException("store is required");
            }
            if (receiverAckDelay != null && receiverAckDelay.multipliedBy(2).compareTo(requestTimeout) >= 0) {
                throw new IllegalStateException("the receivers' ack delay " + receiverAckDelay
                        + " must be less than half the request timeout " + requestTimeout);
            }
            if (storeUrl == null) {
                return new Scriber(this);
            }
            store = Store.open(storeUrl);
            try {
                return new Scriber(this);
            } catch (RuntimeException | Error e) {
                store.close();
                throw e;
            } finally {
                store = null;
            }
        }
    }
}
