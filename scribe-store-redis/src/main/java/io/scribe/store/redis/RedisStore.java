package io.scribe.store.redis;

import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.ReadAhead;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoredScribe;
import io.scribe.store.redis.internal.RedisUrl;
import io.scribe.store.redis.internal.Scripts;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * A {@link Store} in Redis, through a pool of Jedis connections. Everything lives under one key prefix {@code P}:
 *
 * <pre>
 * P:meta      hash    format=scribe, version=1     marks the prefix as a Scribe store
 *                     compacted=N                   the last id compaction removed (absent: 0)
 * P:seq       string  id of the newest scribe      INCRBY'd by each commit
 * P:log       hash    id -&gt; scribe (JSON)         ids compacted+1..seq, none missing
 * P:objects   hash    klass NUL id -&gt; state (JSON)
 * P:cursors   hash    client GUID -&gt; cursor
 * P:events    pub/sub channel: "node lastId" after each commit that appended scribes
 * </pre>
 *
 * <p>Each {@link #commit} is one Lua script: atomic (checks first, then writes), one round trip, whatever its size.
 * Reads are single commands ({@code HMGET} of an id range for a catch-up page). Durability is Redis's: with
 * {@code appendonly yes} and {@code appendfsync always} an acknowledged commit survives a crash of the Redis host;
 * with the defaults, the last second may be lost.
 *
 * <p>Several processes may share one prefix: ids stay unique and increasing, and {@link #watch} tells each of them
 * when another one committed. Thread-safe. Arguments must not be null.
 *
 * <p><b>Compaction.</b> {@link #compact} runs a Lua script (atomic) per batch of 10,000 ids: it raises
 * {@code P:meta}'s {@code compacted} field, then deletes those ids from {@code P:log}; the tombstones go in the first
 * batch, each deleted only if its field still holds the tombstone read just before (compare and delete). The
 * sequence {@code P:seq} is never touched, so ids go on; reads start after {@code compacted}.
 */
public final class RedisStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(RedisStore.class);
    private static final Codec CODEC = Codec.json();
    private static final int FORMAT_VERSION = 1;
    private static final int SCAN_COUNT = 500;
    /** Stores of fewer objects are read on the calling thread by {@link #forEachObject}: too few to gain. */
    private static final long READ_AHEAD_OBJECTS = 20_000;
    private static final int COMPACT_BATCH = 10_000;

    private final JedisPooled redis;
    private final String prefix;
    private final byte[] metaKey;
    private final byte[] seqKey;
    private final byte[] logKey;
    private final byte[] objectsKey;
    private final byte[] cursorsKey;
    private final String channel;
    private final String node = UUID.randomUUID().toString();
    private final byte[] commitSha;
    private final byte[] compactSha;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Object watchLock = new Object();
    private final java.util.concurrent.CountDownLatch listening = new java.util.concurrent.CountDownLatch(1);
    private Thread watcher;
    private volatile JedisPubSub subscription;
    private volatile boolean closed;

    private RedisStore(JedisPooled redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
        this.metaKey = bytes(prefix + ":meta");
        this.seqKey = bytes(prefix + ":seq");
        this.logKey = bytes(prefix + ":log");
        this.objectsKey = bytes(prefix + ":objects");
        this.cursorsKey = bytes(prefix + ":cursors");
        this.channel = prefix + ":events";
        this.commitSha = call("load the commit script", () -> bytes(redis.scriptLoad(Scripts.COMMIT)));
        this.compactSha = call("load the compaction script", () -> bytes(redis.scriptLoad(Scripts.COMPACT)));
        checkFormat();
    }

    /**
     * Connects to the Redis server a URL names and opens (creating when new) the store under its prefix:
     * {@code redis://[user[:password]@]HOST[:PORT][/DB][?prefix=P&poolSize=N&timeoutMillis=T]}, {@code rediss://}
     * for TLS. Defaults: port 6379, database 0, prefix {@code scribe}, 8 pooled connections, 2000 ms timeouts.
     *
     * @return a store that owns its connection pool; {@link #close()} closes it
     * @throws IllegalArgumentException if the URL is malformed
     * @throws ScribeException if Redis cannot be reached, or the prefix holds keys that are not a Scribe store of a
     *     version this code reads (then nothing is written)
     */
    public static RedisStore connect(String url) {
        RedisUrl parsed = RedisUrl.parse(Objects.requireNonNull(url, "url"));
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(parsed.poolSize());
        pool.setMaxIdle(parsed.poolSize());
        pool.setJmxEnabled(false);
        String user = null;
        String password = null;
        String info = parsed.redisUri().getUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            user = colon < 0 ? null : info.substring(0, colon);
            password = colon < 0 ? info : info.substring(colon + 1);
            if (user != null && user.isEmpty()) {
                user = null;
            }
        }
        String path = parsed.redisUri().getPath();
        int db;
        try {
            db = Integer.parseInt(path.substring(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("redis database is not a number in " + url, e);
        }
        DefaultJedisClientConfig config = DefaultJedisClientConfig.builder()
                .user(user).password(password).database(db)
                .ssl("rediss".equals(parsed.redisUri().getScheme()))
                .connectionTimeoutMillis(parsed.timeoutMillis()).socketTimeoutMillis(parsed.timeoutMillis())
                .clientName("scribe").build();
        JedisPooled redis = new JedisPooled(pool, new HostAndPort(parsed.redisUri().getHost(),
                parsed.redisUri().getPort()), config);
        try {
            return new RedisStore(redis, parsed.prefix());
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    /** The key prefix this store lives under. */
    public String prefix() {
        return prefix;
    }

    /** Checks that the prefix is empty or a Scribe store this code can read, and marks a new one. */
    private void checkFormat() {
        call("check the store format", () -> {
            for (byte[] key : List.of(metaKey, logKey, objectsKey, cursorsKey)) {
                String type = redis.type(key);
                if (!type.equals("none") && !type.equals("hash")) {
                    throw new ScribeException(ScribeException.INTERNAL, "redis key " + str(key) + " holds a " + type
                            + ", not a hash: prefix " + prefix + " is not a Scribe store; nothing was changed");
                }
            }
            String seqType = redis.type(seqKey);
            if (!seqType.equals("none") && !seqType.equals("string")) {
                throw new ScribeException(ScribeException.INTERNAL, "redis key " + str(seqKey) + " holds a "
                        + seqType + ", not a string: prefix " + prefix + " is not a Scribe store; nothing was changed");
            }
            Map<String, String> meta = redis.hgetAll(prefix + ":meta");
            // A marker holding only the format is what an earlier version killed between its two writes left.
            boolean unfinished = meta.size() == 1 && "scribe".equals(meta.get("format"));
            if (meta.isEmpty() || unfinished) {
                boolean data = redis.exists(seqKey) || redis.exists(logKey) || redis.exists(objectsKey)
                        || redis.exists(cursorsKey);
                if (data) {
                    throw new ScribeException(ScribeException.INTERNAL, "prefix " + prefix
                            + " holds Scribe-named keys but no " + prefix + ":meta marker; refusing to adopt them");
                }
                // Both fields in one script: a process killed here leaves no marker or a whole one.
                redis.eval(Scripts.MARK, List.of(prefix + ":meta"), List.of(Integer.toString(FORMAT_VERSION)));
                meta = redis.hgetAll(prefix + ":meta");
            }
            if (!"scribe".equals(meta.get("format"))) {
                throw new ScribeException(ScribeException.INTERNAL, prefix + ":meta says format "
                        + meta.get("format") + ": not a Scribe store; nothing was changed");
            }
            int version;
            try {
                version = Integer.parseInt(meta.getOrDefault("version", ""));
            } catch (NumberFormatException e) {
                throw new ScribeException(ScribeException.INTERNAL, prefix + ":meta has no valid version: "
                        + meta.get("version"), e);
            }
            if (version > FORMAT_VERSION) {
                throw new ScribeException(ScribeException.INTERNAL, "store " + prefix + " has format version "
                        + version + ", newer than the " + FORMAT_VERSION + " this Scribe reads; nothing was changed");
            }
            lastId();
            return null;
        });
    }

    @Override
    public List<Scribe> commit(Commit commit) {
        Objects.requireNonNull(commit, "commit");
        checkOpen();
        if (commit.isEmpty()) {
            return List.of();
        }
        List<byte[]> args = new ArrayList<>();
        args.add(bytes(Integer.toString(commit.scribes().size())));
        args.add(bytes(Integer.toString(commit.objects().size())));
        args.add(bytes(Integer.toString(commit.cursors().size())));
        args.add(bytes(channel));
        args.add(bytes(node));
        for (Scribe s : commit.scribes()) {
            args.add(CODEC.encode(s.withId(null)));
        }
        for (ObjectState o : commit.objects()) {
            args.add(bytes(objectField(o.klass(), o.id())));
            args.add(CODEC.encode(o));
        }
        commit.cursors().forEach((client, cursor) -> {
            args.add(bytes(client));
            args.add(bytes(cursor));
        });
        List<byte[]> keys = List.of(metaKey, seqKey, logKey, objectsKey, cursorsKey);
        Object result = call("commit", () -> script(commitSha, Scripts.COMMIT, keys, args));
        long first = (Long) result;
        List<Scribe> stored = new ArrayList<>(commit.scribes().size());
        for (int i = 0; i < commit.scribes().size(); i++) {
            stored.add(commit.scribes().get(i).withId(Long.toString(first + i)));
        }
        return stored;
    }

    /** Runs a loaded script, sending the script itself when the server lost its script cache. */
    private Object script(byte[] sha, String script, List<byte[]> keys, List<byte[]> args) {
        try {
            return redis.evalsha(sha, keys, args);
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("NOSCRIPT")) {
                throw e;
            }
            // The server lost its script cache (restart, SCRIPT FLUSH): send the script itself.
            return redis.eval(bytes(script), keys, args);
        }
    }

    /**
     * Reads the page with one {@code HMGET} of its id range. Ids that turn out missing because compaction removed
     * them (at or below {@code P:meta}'s {@code compacted}, read only then) are skipped by reading again after it.
     */
    @Override
    public List<Scribe> readAfter(long afterId, int limit) {
        return readLog(afterId, limit, (id, v) -> CODEC.decodeScribe(v).withId(Long.toString(id)));
    }

    /** The log's bytes as they are: they are {@link Codec#json()}'s encoding of each scribe without its id. */
    @Override
    public List<StoredScribe> readStoredAfter(long afterId, int limit) {
        return readLog(afterId, limit, StoredScribe::new);
    }

    /** Reads a page of the log, each scribe made by {@code make} of its id and stored bytes. */
    private <T> List<T> readLog(long afterId, int limit, java.util.function.BiFunction<Long, byte[], T> make) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        checkOpen();
        long from = Math.max(0, afterId);
        while (true) {
            long last = lastId();
            if (from >= last) {
                return List.of();
            }
            long to = Math.min(last, from + limit);
            byte[][] fields = new byte[(int) (to - from)][];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = bytes(Long.toString(from + 1 + i));
            }
            List<byte[]> values = call("read the log", () -> redis.hmget(logKey, fields));
            List<T> page = new ArrayList<>(values.size());
            long missing = 0;
            for (int i = 0; i < values.size(); i++) {
                long id = from + 1 + i;
                byte[] v = values.get(i);
                if (v == null) {
                    missing = id;
                    break;
                }
                page.add(make.apply(id, v));
            }
            if (missing == 0) {
                return page;
            }
            long compacted = compacted();
            if (missing > compacted) {
                throw new ScribeException(ScribeException.INTERNAL, "scribe " + missing + " is missing from "
                        + str(logKey) + " although " + str(seqKey) + " is " + last + " and compaction removed ids"
                        + " up to " + compacted + ": the log was altered");
            }
            from = compacted;
        }
    }

    /** The last id compaction removed: {@code P:meta}'s {@code compacted} field, 0 when absent. */
    private long compacted() {
        String v = call("read the compaction mark", () -> redis.hget(str(metaKey), "compacted"));
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new ScribeException(ScribeException.INTERNAL, "the compacted field of " + str(metaKey)
                    + " is not a number: " + v, e);
        }
    }

    @Override
    public long lastId() {
        checkOpen();
        byte[] v = call("read the sequence", () -> redis.get(seqKey));
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(str(v));
        } catch (NumberFormatException e) {
            throw new ScribeException(ScribeException.INTERNAL, "redis key " + str(seqKey) + " is not a number: "
                    + str(v), e);
        }
    }

    /** Scans the cursors hash and compares in Java (no MATCH pattern, whose glob characters a prefix may hold). */
    @Override
    public Map<String, String> cursors(String clientPrefix) {
        Objects.requireNonNull(clientPrefix, "prefix");
        checkOpen();
        Map<String, String> found = new java.util.HashMap<>();
        ScanParams params = new ScanParams().count(SCAN_COUNT);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            String at = cursor;
            ScanResult<Map.Entry<String, String>> page = call("scan the cursors", () -> redis.hscan(str(cursorsKey),
                    at, params));
            for (Map.Entry<String, String> e : page.getResult()) {
                if (e.getKey().startsWith(clientPrefix)) {
                    found.put(e.getKey(), e.getValue());
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals("0"));
        return found;
    }

    /**
     * Reads the named objects' states ({@code HMGET}) and keeps the tombstones among them, then runs the compaction
     * script once per batch of up to 10,000 ids: each run raises {@code compacted} and deletes its ids from the
     * log, atomically; the first run also deletes each tombstone whose field still holds the state just read.
     */
    @Override
    public boolean compact(long upTo, java.util.Collection<ObjectState> tombstones) {
        Objects.requireNonNull(tombstones, "tombstones");
        checkOpen();
        List<byte[]> deadPairs = new ArrayList<>();
        if (!tombstones.isEmpty()) {
            byte[][] fields = tombstones.stream().map(t -> bytes(objectField(t.klass(), t.id())))
                    .toArray(byte[][]::new);
            List<byte[]> states = call("read the tombstones", () -> redis.hmget(objectsKey, fields));
            for (int i = 0; i < fields.length; i++) {
                byte[] v = states.get(i);
                if (v != null && CODEC.decodeState(v).destroyed()) {
                    deadPairs.add(fields[i]);
                    deadPairs.add(v);
                }
            }
        }
        List<byte[]> keys = List.of(metaKey, seqKey, logKey, objectsKey);
        long before = -1;
        while (true) {
            List<byte[]> args = new ArrayList<>();
            args.add(bytes(Long.toString(upTo)));
            args.add(bytes(Integer.toString(COMPACT_BATCH)));
            args.addAll(deadPairs);
            long reached = (Long) call("compact", () -> script(compactSha, Scripts.COMPACT, keys, args));
            deadPairs.clear();
            if (reached >= upTo || reached == before) {
                return true;
            }
            before = reached;
        }
    }

    @Override
    public Optional<String> cursor(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        checkOpen();
        return Optional.ofNullable(call("read a cursor", () -> redis.hget(str(cursorsKey), clientId)));
    }

    @Override
    public Optional<ObjectState> object(String klass, String id) {
        Objects.requireNonNull(klass, "klass");
        Objects.requireNonNull(id, "id");
        checkOpen();
        byte[] v = call("read an object", () -> redis.hget(objectsKey, bytes(objectField(klass, id))));
        return v == null ? Optional.empty() : Optional.of(CODEC.decodeState(v));
    }

    @Override
    public void forEachObject(Consumer<ObjectState> action) {
        Objects.requireNonNull(action, "action");
        checkOpen();
        ScanParams params = new ScanParams().count(SCAN_COUNT);
        byte[][] cursor = {ScanParams.SCAN_POINTER_START_BINARY};
        ReadAhead.Pages pages = sink -> {
            byte[] at = cursor[0];
            ScanResult<Map.Entry<byte[], byte[]>> page = call("scan the objects", () -> redis.hscan(objectsKey, at,
                    params));
            for (Map.Entry<byte[], byte[]> e : page.getResult()) {
                sink.accept(CODEC.decodeState(e.getValue()));
            }
            cursor[0] = page.getCursorAsBytes();
            return !str(cursor[0]).equals("0");
        };
        if (call("count the objects", () -> redis.hlen(objectsKey)) < READ_AHEAD_OBJECTS) {
            while (pages.next(action)) {
                // the next page of the scan
            }
            return;
        }
        // Many objects (a peer's start): the next pages are fetched and parsed on a thread of its own meanwhile.
        ReadAhead.of(pages, "scribe-redis-read " + prefix).handTo(action);
    }

    /**
     * Subscribes to the prefix's channel: {@code listener} runs, on the store's watcher thread, after each commit
     * that another store instance (in this or another process) made under the same prefix, and once after the
     * subscription was re-established following a connection loss (commits may have been missed meanwhile). Returns
     * once the subscription is in place (waiting at most 5 s), so that later foreign commits are all reported.
     */
    @Override
    public void watch(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        listeners.add(listener);
        synchronized (watchLock) {
            if (watcher == null) {
                watcher = new Thread(this::subscribeLoop, "scribe-redis-watch-" + prefix);
                watcher.setDaemon(true);
                watcher.start();
            }
        }
        try {
            // Foreign commits made after watch() returns are reported; wait (boundedly) for the subscription.
            if (!listening.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("store {}: watch subscription not confirmed within 5 s; it keeps trying", prefix);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void subscribeLoop() {
        boolean reconnected = false;
        while (!closed) {
            JedisPubSub sub = new JedisPubSub() {
                @Override
                public void onSubscribe(String ch, int count) {
                    log.debug("redis store {}: watching {}", prefix, ch);
                    listening.countDown();
                }

                @Override
                public void onMessage(String ch, String message) {
                    int space = message.indexOf(' ');
                    String from = space < 0 ? message : message.substring(0, space);
                    if (!from.equals(node)) {
                        fire();
                    }
                }
            };
            subscription = sub;
            try {
                if (reconnected) {
                    fire();
                }
                redis.subscribe(sub, channel);
            } catch (JedisException e) {
                if (closed) {
                    break;
                }
                log.warn("redis store {}: subscription to {} lost; retrying in 1s", prefix, channel, e);
                reconnected = true;
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }

    private void fire() {
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.warn("redis store {}: watch listener failed", prefix, e);
            }
        }
    }

    /** Stops watching and closes the connection pool. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        JedisPubSub sub = subscription;
        if (sub != null) {
            try {
                sub.unsubscribe();
            } catch (RuntimeException e) {
                log.debug("redis store {}: unsubscribe failed", prefix, e);
            }
        }
        Thread w;
        synchronized (watchLock) {
            w = watcher;
        }
        if (w != null) {
            try {
                w.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        redis.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("redis store " + prefix + " is closed");
        }
    }

    private <T> T call(String what, Supplier<T> action) {
        try {
            return action.get();
        } catch (ScribeException e) {
            throw e;
        } catch (JedisException e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage();
            if (message.startsWith("SCRIBE ")) {
                message = message.substring("SCRIBE ".length());
            }
            throw new ScribeException(ScribeException.INTERNAL,
                    "redis store " + prefix + ": could not " + what + ": " + message, e);
        }
    }

    private static String objectField(String klass, String id) {
        return klass + '\u0000' + id;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String str(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
