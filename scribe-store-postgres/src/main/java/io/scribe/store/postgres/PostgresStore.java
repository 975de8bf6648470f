package io.scribe.store.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.ReadAhead;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoredScribe;
import io.scribe.store.postgres.internal.PgUrl;
import io.scribe.store.postgres.internal.Schema;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} in one PostgreSQL schema, through a HikariCP pool. Tables (created or migrated at start, versioned
 * in {@code schema_version}):
 *
 * <pre>
 * log      (id BIGSERIAL PRIMARY KEY, scribe JSONB)          ids 1, 2, 3, ... in commit order, no gaps
 * objects  (klass TEXT, id TEXT, state JSONB, PK (klass, id))
 * cursors  (client TEXT PRIMARY KEY, cursor TEXT)
 * compacted (up_to BIGINT)                                  one row: the last id compaction removed (version 2)
 * </pre>
 *
 * <p>Each {@link #commit} is one transaction. Appends take an exclusive lock on {@code log} (plain reads are not
 * blocked) and number their scribes after the committed maximum, so ids are gapless and a reader never sees id
 * {@code n+1} before id {@code n}, whichever process wrote them. Commits that arrive while another is being written
 * are written together in the next transaction (group commit); a transaction makes two round trips before its
 * commit whatever it holds (the lock and numbering, then one statement writing the log, the objects and the cursors
 * from arrays, with the notification) and those of {@link InTransaction} work; should that transaction fail,
 * each commit is retried alone, so that one bad commit fails only its own caller. A commit is durable once it
 * returns (PostgreSQL's {@code synchronous_commit}).
 *
 * <p>Several processes may share one schema; {@link #watch} hears the others' commits through LISTEN/NOTIFY.
 * Values go through JSONB, which keeps them equal by value but not byte for byte (key order, number spelling) and
 * refuses the character U+0000 in strings. Thread-safe. Arguments must not be null.
 *
 * <p><b>Compaction.</b> {@link #compact} is one transaction under the same lock on {@code log} as appends: it
 * raises {@code compacted.up_to}, deletes the log's rows up to it and the named objects whose stored state is still
 * a tombstone. Ids are numbered, and {@link #lastId()} read, after the greater of the log's maximum and
 * {@code compacted.up_to}, so the sequence goes on (gapless) once the head or all of the log was deleted, in every
 * process sharing the schema.
 */
public final class PostgresStore implements Store {

    private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);
    private static final Codec CODEC = Codec.json();
    private static final int FETCH_SIZE = 500;
    /** Stores of fewer objects (by the planner's estimate) are read on the calling thread by forEachObject. */
    private static final long READ_AHEAD_OBJECTS = 20_000;

    private final HikariDataSource pool;
    private final PgUrl url;
    private final String schema;
    private final String q;
    private final String channel;
    private final String node = UUID.randomUUID().toString();
    private final ReentrantLock writer = new ReentrantLock();
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Object watchLock = new Object();
    private final java.util.concurrent.CountDownLatch listening = new java.util.concurrent.CountDownLatch(1);
    private Thread watcher;
    private volatile boolean closed;

    private PostgresStore(HikariDataSource pool, PgUrl url) {
        this.pool = pool;
        this.url = url;
        this.schema = url.schema();
        this.q = Schema.quote(schema);
        String ch = "scribe_" + schema;
        this.channel = ch.length() <= 63 ? ch : "scribe_" + Integer.toHexString(schema.hashCode());
        try (Connection c = pool.getConnection()) {
            Schema.migrate(c, schema);
        } catch (SQLException e) {
            throw failure("create or migrate schema " + schema, e);
        }
    }

    /**
     * Connects to the database a URL names and opens the store in its schema, creating or migrating the schema:
     * {@code postgresql://HOST[:PORT]/DB?user=U[&password=P][&schema=S][&poolSize=N]}; other parameters go to the
     * JDBC driver ({@code sslmode=require}, ...). Defaults: port 5432, schema {@code scribe}, 8 pooled connections.
     *
     * @return a store that owns its pool; {@link #close()} closes it
     * @throws IllegalArgumentException if the URL is malformed
     * @throws ScribeException if the database cannot be reached, or the schema is of a newer version or holds
     *     tables that are not a Scribe store (then nothing is changed)
     */
    public static PostgresStore connect(String url) {
        PgUrl parsed = PgUrl.parse(Objects.requireNonNull(url, "url"));
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(parsed.jdbcUrl());
        if (parsed.user() != null) {
            config.setUsername(parsed.user());
        }
        if (parsed.password() != null) {
            config.setPassword(parsed.password());
        }
        config.setMaximumPoolSize(parsed.poolSize());
        config.setMinimumIdle(1);
        config.setPoolName("scribe-pg-" + parsed.schema());
        config.setInitializationFailTimeout(-1);
        config.setConnectionTimeout(10_000);
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        parsed.driverProperties().forEach(config::addDataSourceProperty);
        HikariDataSource pool = new HikariDataSource(config);
        try {
            return new PostgresStore(pool, parsed);
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** The schema this store lives in. */
    public String schema() {
        return schema;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Writes

    private static final class Pending {
        final Commit commit;
        final InTransaction extra;
        volatile boolean done;
        List<Scribe> result;
        RuntimeException error;

        Pending(Commit commit, InTransaction extra) {
            this.commit = commit;
            this.extra = extra;
        }
    }

    /** Work an application adds to a commit's transaction (see {@link #commit(Commit, InTransaction)}). */
    @FunctionalInterface
    public interface InTransaction {
        /**
         * Runs on the transaction's connection (auto-commit off) after the commit's rows were written; it must
         * neither commit nor roll back. Throwing rolls back the whole transaction.
         *
         * @param stored the commit's scribes with the ids they are stored under
         */
        void run(Connection connection, List<Scribe> stored) throws SQLException;
    }

    @Override
    public List<Scribe> commit(Commit commit) {
        return commit(commit, null);
    }

    /**
     * Like {@link #commit(Commit)}, and runs {@code extra} in the same transaction, so that an application's own
     * rows (an event log, a projection) are written if and only if the commit is. Group commit applies: several
     * commits and their extras may share one transaction; should it fail, each is retried alone.
     *
     * @param extra the work to add, or null
     */
    public List<Scribe> commit(Commit commit, InTransaction extra) {
        Objects.requireNonNull(commit, "commit");
        checkOpen();
        for (Scribe scribe : commit.scribes()) {
            try {
                refuseNul(scribe);
            } catch (ScribeException e) {
                throw new ScribeException(e.code(), "postgres store " + schema + ": " + e.getMessage());
            }
        }
        if (commit.isEmpty() && extra == null) {
            return List.of();
        }
        Pending mine = new Pending(commit, extra);
        queue.add(mine);
        writer.lock();
        try {
            // Whoever holds the writer lock writes every commit queued so far, this one included unless the
            // previous holder already did.
            if (!mine.done) {
                List<Pending> batch = new ArrayList<>();
                Pending p;
                while ((p = queue.poll()) != null) {
                    batch.add(p);
                }
                writeGroup(batch);
            }
        } finally {
            writer.unlock();
        }
        if (mine.error != null) {
            throw mine.error;
        }
        return mine.result;
    }

    private void writeGroup(List<Pending> batch) {
        try {
            write(batch);
        } catch (SQLException | RuntimeException e) {
            if (batch.size() == 1) {
                batch.get(0).error = e instanceof SQLException se ? failure("commit", se) : asScribe((RuntimeException) e);
                batch.get(0).done = true;
                return;
            }
            log.debug("postgres store {}: group of {} commits failed, retrying each alone", schema, batch.size(), e);
            for (Pending p : batch) {
                try {
                    write(List.of(p));
                } catch (SQLException e2) {
                    p.error = failure("commit", e2);
                    p.done = true;
                } catch (RuntimeException e2) {
                    p.error = asScribe(e2);
                    p.done = true;
                }
            }
        }
    }

    private static RuntimeException asScribe(RuntimeException e) {
        return e instanceof ScribeException ? e
                : new ScribeException(ScribeException.INTERNAL, "postgres store: commit failed: " + e, e);
    }

    /** Writes the commits of {@code batch} in one transaction and completes them; throws if it rolled back. */
    private void write(List<Pending> batch) throws SQLException {
        int appended = 0;
        Map<List<String>, ObjectState> objects = new LinkedHashMap<>();
        Map<String, String> cursors = new LinkedHashMap<>();
        for (Pending p : batch) {
            appended += p.commit.scribes().size();
            // One statement cannot upsert the same row twice: the later write of a row wins, as it would in order.
            for (ObjectState o : p.commit.objects()) {
                objects.remove(List.of(o.klass(), o.id()));
                objects.put(List.of(o.klass(), o.id()), o);
            }
            cursors.putAll(p.commit.cursors());
        }
        List<List<Scribe>> results = new ArrayList<>(batch.size());
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                // Two round trips before the extras and the commit, whatever the batch holds: the lock and the
                // numbering, then one statement that writes the log, the objects and the cursors and notifies.
                long next = 0;
                List<Long> ids = new ArrayList<>(appended);
                List<String> scribes = new ArrayList<>(appended);
                if (appended > 0) {
                    try (Statement st = c.createStatement()) {
                        // Numbering after the committed maximum under this lock keeps ids gapless and in commit
                        // order across processes; plain SELECTs are not blocked by EXCLUSIVE mode.
                        st.execute("LOCK TABLE " + q + ".log IN EXCLUSIVE MODE; SELECT " + lastIdSql());
                        while (st.getResultSet() == null) {
                            st.getMoreResults();
                        }
                        try (ResultSet rs = st.getResultSet()) {
                            rs.next();
                            next = rs.getLong(1) + 1;
                        }
                    }
                    for (Pending p : batch) {
                        List<Scribe> stored = new ArrayList<>(p.commit.scribes().size());
                        for (Scribe s : p.commit.scribes()) {
                            ids.add(next);
                            scribes.add(text(CODEC.encode(s.withId(null))));
                            stored.add(s.withId(Long.toString(next)));
                            next++;
                        }
                        results.add(stored);
                    }
                } else {
                    batch.forEach(p -> results.add(List.of()));
                }
                List<String> kept = new ArrayList<>();
                List<String> forgotten = new ArrayList<>();
                for (Map.Entry<String, String> e : cursors.entrySet()) {
                    // An empty cursor forgets the client (see Commit).
                    (e.getValue().isEmpty() ? forgotten : kept).add(e.getKey());
                }
                List<String> parts = new ArrayList<>();
                List<Object[]> arrays = new ArrayList<>();
                if (appended > 0) {
                    parts.add("INSERT INTO " + q + ".log (id, scribe) SELECT i, s::jsonb FROM unnest(?::bigint[],"
                            + " ?::text[]) AS t (i, s)");
                    arrays.add(new Object[] {"bigint", ids.toArray(new Long[0])});
                    arrays.add(new Object[] {"text", scribes.toArray(new String[0])});
                }
                if (!objects.isEmpty()) {
                    // One statement cannot upsert the same row twice: objects holds each row once.
                    parts.add("INSERT INTO " + q + ".objects (klass, id, state) SELECT k, i, s::jsonb FROM"
                            + " unnest(?::text[], ?::text[], ?::text[]) AS t (k, i, s)"
                            + " ON CONFLICT (klass, id) DO UPDATE SET state = excluded.state");
                    List<String> klasses = new ArrayList<>();
                    List<String> oids = new ArrayList<>();
                    List<String> states = new ArrayList<>();
                    for (ObjectState o : objects.values()) {
                        klasses.add(o.klass());
                        oids.add(o.id());
                        states.add(text(CODEC.encode(o)));
                    }
                    arrays.add(new Object[] {"text", klasses.toArray(new String[0])});
                    arrays.add(new Object[] {"text", oids.toArray(new String[0])});
                    arrays.add(new Object[] {"text", states.toArray(new String[0])});
                }
                if (!kept.isEmpty()) {
                    parts.add("INSERT INTO " + q + ".cursors (client, cursor) SELECT * FROM unnest(?::text[],"
                            + " ?::text[]) ON CONFLICT (client) DO UPDATE SET cursor = excluded.cursor");
                    arrays.add(new Object[] {"text", kept.toArray(new String[0])});
                    arrays.add(new Object[] {"text", kept.stream().map(cursors::get).toArray(String[]::new)});
                }
                if (!forgotten.isEmpty()) {
                    parts.add("DELETE FROM " + q + ".cursors WHERE client = ANY (?::text[])");
                    arrays.add(new Object[] {"text", forgotten.toArray(new String[0])});
                }
                if (!parts.isEmpty()) {
                    StringBuilder sql = new StringBuilder("WITH ");
                    for (int i = 0; i < parts.size(); i++) {
                        sql.append(i == 0 ? "" : ", ").append("w").append(i).append(" AS (").append(parts.get(i))
                                .append(')');
                    }
                    // Keeps the BIGSERIAL sequence in step for anyone inserting by hand, and tells the other
                    // processes sharing the schema (see watch).
                    sql.append(appended > 0 ? " SELECT setval(?::regclass, ?), pg_notify(?, ?)" : " SELECT 1");
                    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                        int i = 1;
                        for (Object[] a : arrays) {
                            ps.setArray(i++, c.createArrayOf((String) a[0], (Object[]) a[1]));
                        }
                        if (appended > 0) {
                            ps.setString(i++, q + ".log_id_seq");
                            ps.setLong(i++, next - 1);
                            ps.setString(i++, channel);
                            ps.setString(i, node + " " + (next - 1));
                        }
                        ps.executeQuery().close();
                    }
                }
                for (int i = 0; i < batch.size(); i++) {
                    if (batch.get(i).extra != null) {
                        batch.get(i).extra.run(c, results.get(i));
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollBack(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result = results.get(i);
            batch.get(i).done = true;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Reads

    /** Refuses a scribe holding U+0000 in a string or key: JSONB cannot keep it, so its commit would fail. */
    @Override
    public void check(Scribe scribe, long encodedBytes) {
        refuseNul(scribe);
    }

    /**
     * Throws 400 naming where {@code scribe} holds U+0000 ({@code Task.letter}), if it does: JSONB cannot keep it.
     * A {@code char} field never set holds it.
     */
    private static void refuseNul(Scribe scribe) {
        String at = nulAt(scribe.data(), "");
        if (at != null) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "scribe " + (scribe.id() == null ? ""
                    : scribe.id() + " ") + "of " + scribe.klass() + " holds the character U+0000 at " + at
                    + ", which PostgreSQL JSONB cannot store (a char field never set holds it); refused");
        }
    }

    /** The path under {@code path} of the first string or key in {@code node} holding U+0000; null if none does. */
    private static String nulAt(com.fasterxml.jackson.databind.JsonNode node, String path) {
        if (node.isTextual()) {
            return node.textValue().indexOf('\u0000') >= 0 ? (path.isEmpty() ? "the value" : path) : null;
        }
        if (node.isObject()) {
            for (var it = node.fields(); it.hasNext(); ) {
                var e = it.next();
                String here = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
                if (e.getKey().indexOf('\u0000') >= 0) {
                    return "a key under " + (path.isEmpty() ? "the top" : path);
                }
                String found = nulAt(e.getValue(), here);
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        for (int i = 0; i < node.size(); i++) {
            // An update's data is [id, fields]: name the fields, not their place in the pair.
            String found = nulAt(node.get(i), path.isEmpty() && node.size() == 2 && i == 1 ? "" : path + "[" + i + "]");
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    @Override
    public List<Scribe> readAfter(long afterId, int limit) {
        return readLog(afterId, limit, (id, v) -> CODEC.decodeScribe(v).withId(Long.toString(id)));
    }

    /**
     * The log's JSON as the server prints it: {@link Codec#json()}'s encoding of each scribe without its id, with the
     * members in {@code jsonb}'s order and spacing.
     */
    @Override
    public List<StoredScribe> readStoredAfter(long afterId, int limit) {
        return readLog(afterId, limit, StoredScribe::new);
    }

    /** Reads a page of the log, each scribe made by {@code make} of its id and JSON (UTF-8). */
    private <T> List<T> readLog(long afterId, int limit, java.util.function.BiFunction<Long, byte[], T> make) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        checkOpen();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, scribe::text FROM " + q + ".log WHERE id > ? ORDER BY id LIMIT ?")) {
            ps.setLong(1, afterId);
            ps.setInt(2, limit);
            List<T> page = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    page.add(make.apply(rs.getLong(1), rs.getString(2).getBytes(StandardCharsets.UTF_8)));
                }
            }
            return page;
        } catch (SQLException e) {
            throw failure("read the log after " + afterId, e);
        }
    }

    @Override
    public long lastId() {
        checkOpen();
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT " + lastIdSql())) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure("read the last id", e);
        }
    }

    /** The newest id: the log's maximum, or the last id compaction removed when that is greater. */
    private String lastIdSql() {
        return "greatest(coalesce((SELECT max(id) FROM " + q + ".log), 0), (SELECT max(up_to) FROM " + q
                + ".compacted), 0)";
    }

    /** Compares by {@code left()}, not LIKE: a prefix may hold its wildcards ({@code _}, {@code %}). */
    @Override
    public Map<String, String> cursors(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        checkOpen();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT client, cursor FROM " + q + ".cursors WHERE left(client, char_length(?)) = ?")) {
            ps.setString(1, prefix);
            ps.setString(2, prefix);
            Map<String, String> found = new java.util.HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getString(1).startsWith(prefix)) {
                        found.put(rs.getString(1), rs.getString(2));
                    }
                }
            }
            return found;
        } catch (SQLException e) {
            throw failure("read the cursors under " + prefix, e);
        }
    }

    /**
     * One transaction, holding the lock appends take on {@code log}: raises {@code compacted.up_to} to {@code upTo}
     * (never past the newest id, never down), deletes the log's rows up to it, and deletes those of the named
     * objects whose stored state is still a tombstone (their rows locked while checked).
     */
    @Override
    public boolean compact(long upTo, java.util.Collection<ObjectState> tombstones) {
        Objects.requireNonNull(tombstones, "tombstones");
        checkOpen();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (Statement st = c.createStatement()) {
                    st.execute("LOCK TABLE " + q + ".log IN EXCLUSIVE MODE");
                }
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + q + ".compacted SET up_to ="
                        + " greatest(up_to, least(?, coalesce((SELECT max(id) FROM " + q + ".log), 0)))")) {
                    ps.setLong(1, upTo);
                    if (ps.executeUpdate() != 1) {
                        throw new SQLException(q + ".compacted does not hold its one row");
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".log WHERE id <= ?")) {
                    ps.setLong(1, upTo);
                    ps.executeUpdate();
                }
                if (!tombstones.isEmpty()) {
                    String[] klasses = tombstones.stream().map(ObjectState::klass).toArray(String[]::new);
                    String[] ids = tombstones.stream().map(ObjectState::id).toArray(String[]::new);
                    List<String> deadKlasses = new ArrayList<>();
                    List<String> deadIds = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement("SELECT klass, id, state::text FROM " + q
                            + ".objects WHERE (klass, id) IN (SELECT * FROM unnest(?::text[], ?::text[]))"
                            + " FOR UPDATE")) {
                        ps.setArray(1, c.createArrayOf("text", klasses));
                        ps.setArray(2, c.createArrayOf("text", ids));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                if (CODEC.decodeState(rs.getString(3).getBytes(StandardCharsets.UTF_8))
                                        .destroyed()) {
                                    deadKlasses.add(rs.getString(1));
                                    deadIds.add(rs.getString(2));
                                }
                            }
                        }
                    }
                    if (!deadIds.isEmpty()) {
                        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".objects WHERE"
                                + " (klass, id) IN (SELECT * FROM unnest(?::text[], ?::text[]))")) {
                            ps.setArray(1, c.createArrayOf("text", deadKlasses.toArray(new String[0])));
                            ps.setArray(2, c.createArrayOf("text", deadIds.toArray(new String[0])));
                            ps.executeUpdate();
                        }
                    }
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollBack(c, e);
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            return true;
        } catch (SQLException e) {
            throw failure("compact the log up to " + upTo, e);
        }
    }

    @Override
    public Optional<String> cursor(String clientId) {
        Objects.requireNonNull(clientId, "clientId");
        checkOpen();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT cursor FROM " + q + ".cursors WHERE client = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read the cursor of " + clientId, e);
        }
    }

    @Override
    public Optional<ObjectState> object(String klass, String id) {
        Objects.requireNonNull(klass, "klass");
        Objects.requireNonNull(id, "id");
        checkOpen();
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT state::text FROM " + q + ".objects WHERE klass = ? AND id = ?")) {
            ps.setString(1, klass);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(CODEC.decodeState(rs.getString(1).getBytes(StandardCharsets.UTF_8)))
                        : Optional.empty();
            }
        } catch (SQLException e) {
            throw failure("read object " + klass + "/" + id, e);
        }
    }

    /** The planner's estimate of the objects table's rows (no scan); -1 before the table was ever analysed. */
    @Override
    public long objectCount() {
        checkOpen();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(?)")) {
            ps.setString(1, q + ".objects");
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : -1;
            }
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Streams the states in pages of 500 rows, in one read-only transaction; {@code action} may use this store. */
    @Override
    public void forEachObject(Consumer<ObjectState> action) {
        Objects.requireNonNull(action, "action");
        checkOpen();
        // Many objects by the planner's estimate (a server's start): the next rows are fetched and parsed on a thread
        // of its own while the action runs, the connection used by that thread alone until it has ended.
        boolean ahead = objectCount() >= READ_AHEAD_OBJECTS;
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.setFetchSize(FETCH_SIZE);
                try (ResultSet rs = st.executeQuery("SELECT state::text FROM " + q + ".objects")) {
                    ReadAhead.Pages pages = sink -> {
                        try {
                            for (int i = 0; i < FETCH_SIZE; i++) {
                                if (!rs.next()) {
                                    return false;
                                }
                                sink.accept(CODEC.decodeState(rs.getString(1).getBytes(StandardCharsets.UTF_8)));
                            }
                            return true;
                        } catch (SQLException e) {
                            throw failure("read the objects", e);
                        }
                    };
                    if (ahead) {
                        ReadAhead.of(pages, "scribe-postgres-read " + schema).handTo(action);
                    } else {
                        while (pages.next(action)) {
                            // the next rows
                        }
                    }
                }
                c.commit();
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failure("read the objects", e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Watch

    /**
     * LISTENs on the schema's channel on a dedicated connection: {@code listener} runs, on the store's watcher
     * thread, after each commit that appended scribes through another store instance (in this or another process),
     * and once after the connection was re-established following a loss (notifications may have been missed).
     * Returns once LISTEN is in place (waiting at most 5 s), so that later foreign commits are all reported.
     */
    @Override
    public void watch(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        listeners.add(listener);
        synchronized (watchLock) {
            if (watcher == null) {
                watcher = new Thread(this::listenLoop, "scribe-pg-watch-" + schema);
                watcher.setDaemon(true);
                watcher.start();
            }
        }
        try {
            // Foreign commits made after watch() returns are reported; wait (boundedly) for the subscription.
            if (!listening.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                log.warn("store {}: watch subscription not confirmed within 5 s; it keeps trying", schema);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listenLoop() {
        boolean reconnected = false;
        while (!closed) {
            Properties props = new Properties();
            if (url.user() != null) {
                props.setProperty("user", url.user());
            }
            if (url.password() != null) {
                props.setProperty("password", url.password());
            }
            url.driverProperties().forEach(props::setProperty);
            try (Connection c = DriverManager.getConnection(url.jdbcUrl(), props)) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN \"" + channel + "\"");
                }
                listening.countDown();
                if (reconnected) {
                    fire();
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(250);
                    boolean foreign = false;
                    if (got != null) {
                        for (PGNotification n : got) {
                            foreign |= !n.getParameter().startsWith(node + " ");
                        }
                    }
                    if (foreign) {
                        fire();
                    }
                }
            } catch (SQLException e) {
                if (closed) {
                    break;
                }
                log.warn("postgres store {}: LISTEN connection lost; retrying in 1s", schema, e);
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
                log.warn("postgres store {}: watch listener failed", schema, e);
            }
        }
    }

    /** Stops watching and closes the pool. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
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
        pool.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("postgres store " + schema + " is closed");
        }
    }

    private ScribeException failure(String what, SQLException e) {
        return new ScribeException(ScribeException.INTERNAL,
                "postgres store " + schema + ": could not " + what + ": " + e.getMessage(), e);
    }

    private static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    /** Rolls back the transaction {@code e} broke off; a failed rollback is added to {@code e} as suppressed. */
    private static void rollBack(Connection c, Exception e) {
        try {
            c.rollback();
        } catch (SQLException re) {
            e.addSuppressed(re);
        }
    }
}
