package io.scribe.docsync.store;

import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link Store} in one SQLite file: the doc-sync client's cache of its documents and its durable offline queue
 * (local scribes wait in the log until the server has caught up on them).
 *
 * <p>Each commit is one SQLite transaction in WAL mode with {@code synchronous=FULL}: a commit that returned survives
 * a crash of the process and of the machine. Log ids come from an {@code AUTOINCREMENT} key, so they are never reused.
 * Thread-safe (one connection, serialised).
 *
 * <p><b>Compaction.</b> {@link #compact} deletes the log's rows up to the given id and the named objects whose row
 * still holds a tombstone, in one transaction. {@code AUTOINCREMENT} records the largest id ever given in
 * {@code sqlite_sequence}, and {@link #lastId()} reads it from there (not from the log's maximum, which an emptied
 * log no longer has), so the sequence goes on after compaction and after a reopen; no schema change is needed.
 */
public final class SqliteStore implements Store {

    private static final int SCHEMA_VERSION = 1;

    private final Connection db;
    private final Codec codec = Codec.json();

    private SqliteStore(Connection db) {
        this.db = db;
    }

    /**
     * Opens (creating it when absent) the store in {@code file}.
     *
     * @throws ScribeException if the file is not a SQLite database, or holds a store of another version
     */
    public static SqliteStore open(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
            try (Statement st = db.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=FULL");
                st.execute("PRAGMA busy_timeout=5000");
                int version;
                try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                    version = rs.next() ? rs.getInt(1) : 0;
                }
                if (version == 0) {
                    try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE type='table'")) {
                        if (rs.next() && rs.getInt(1) > 0) {
                            throw new ScribeException(ScribeException.INTERNAL,
                                    file + " is a SQLite database of something else, not a Scribe store");
                        }
                    }
                    db.setAutoCommit(false);
                    st.execute("CREATE TABLE scribe_log (id INTEGER PRIMARY KEY AUTOINCREMENT, payload BLOB NOT NULL)");
                    st.execute("CREATE TABLE scribe_cursors (client TEXT PRIMARY KEY, cursor TEXT NOT NULL)");
                    st.execute("CREATE TABLE scribe_objects (klass TEXT NOT NULL, id TEXT NOT NULL, "
                            + "payload BLOB NOT NULL, PRIMARY KEY (klass, id))");
                    st.execute("PRAGMA user_version=" + SCHEMA_VERSION);
                    db.commit();
                    db.setAutoCommit(true);
                } else if (version != SCHEMA_VERSION) {
                    throw new ScribeException(ScribeException.INTERNAL, file + " holds a store of schema version "
                            + version + "; this version reads " + SCHEMA_VERSION);
                }
            }
            return new SqliteStore(db);
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "cannot open SQLite store " + file + ": "
                    + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new ScribeException(ScribeException.INTERNAL, "cannot create directory for " + file, e);
        }
    }

    @Override
    public synchronized List<Scribe> commit(Commit commit) {
        return inTransaction("commit", () -> {
            List<Scribe> stored = new ArrayList<>(commit.scribes().size());
            try (PreparedStatement log = db.prepareStatement("INSERT INTO scribe_log (payload) VALUES (?)",
                            Statement.RETURN_GENERATED_KEYS);
                    PreparedStatement obj = db.prepareStatement(
                            "INSERT OR REPLACE INTO scribe_objects (klass, id, payload) VALUES (?, ?, ?)");
                    PreparedStatement cur = db.prepareStatement(
                            "INSERT OR REPLACE INTO scribe_cursors (client, cursor) VALUES (?, ?)");
                    PreparedStatement forget = db.prepareStatement("DELETE FROM scribe_cursors WHERE client = ?")) {
                for (Scribe s : commit.scribes()) {
                    log.setBytes(1, codec.encode(s.withId(null)));
                    log.executeUpdate();
                    try (ResultSet keys = log.getGeneratedKeys()) {
                        keys.next();
                        stored.add(s.withId(Long.toString(keys.getLong(1))));
                    }
                }
                for (ObjectState o : commit.objects()) {
                    obj.setString(1, o.klass());
                    obj.setString(2, o.id());
                    obj.setBytes(3, codec.encode(o));
                    obj.addBatch();
                }
                obj.executeBatch();
                for (var e : commit.cursors().entrySet()) {
                    if (e.getValue().isEmpty()) {
                        // An empty cursor forgets the client (see Commit).
                        forget.setString(1, e.getKey());
                        forget.addBatch();
                        continue;
                    }
                    cur.setString(1, e.getKey());
                    cur.setString(2, e.getValue());
                    cur.addBatch();
                }
                cur.executeBatch();
                forget.executeBatch();
            }
            return stored;
        });
    }

    @Override
    public synchronized List<Scribe> readAfter(long afterId, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT id, payload FROM scribe_log WHERE id > ? ORDER BY id LIMIT ?")) {
            ps.setLong(1, afterId);
            ps.setInt(2, limit);
            List<Scribe> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(codec.decodeScribe(rs.getBytes(2)).withId(Long.toString(rs.getLong(1))));
                }
            }
            return result;
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized long lastId() {
        // sqlite_sequence keeps the largest id AUTOINCREMENT ever gave, also once compaction deleted those rows.
        try (Statement st = db.createStatement();
                ResultSet rs = st.executeQuery("SELECT max(coalesce((SELECT seq FROM sqlite_sequence"
                        + " WHERE name = 'scribe_log'), 0), coalesce((SELECT max(id) FROM scribe_log), 0))")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Optional<String> cursor(String clientId) {
        try (PreparedStatement ps = db.prepareStatement("SELECT cursor FROM scribe_cursors WHERE client = ?")) {
            ps.setString(1, clientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite read failed: " + e.getMessage(), e);
        }
    }

    /** Compares by substring, not LIKE or GLOB: a prefix may hold their wildcards ({@code _}, {@code *}, ...). */
    @Override
    public synchronized Map<String, String> cursors(String prefix) {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT client, cursor FROM scribe_cursors WHERE substr(client, 1, length(?)) = ?")) {
            ps.setString(1, prefix);
            ps.setString(2, prefix);
            Map<String, String> found = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getString(1), rs.getString(2));
                }
            }
            // SQLite's length and substr count characters; check in Java too, to be exact for any text.
            found.keySet().removeIf(client -> !client.startsWith(prefix));
            return found;
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite read failed: " + e.getMessage(), e);
        }
    }

    /**
     * Deletes the log's rows with ids up to {@code upTo} and the named objects whose stored state is still a
     * tombstone, in one transaction. The id sequence lives on in {@code sqlite_sequence}.
     */
    @Override
    public synchronized boolean compact(long upTo, Collection<ObjectState> tombstones) {
        return inTransaction("compaction", () -> {
            try (PreparedStatement log = db.prepareStatement("DELETE FROM scribe_log WHERE id <= ?");
                    PreparedStatement read = db.prepareStatement(
                            "SELECT payload FROM scribe_objects WHERE klass = ? AND id = ?");
                    PreparedStatement drop = db.prepareStatement(
                            "DELETE FROM scribe_objects WHERE klass = ? AND id = ?")) {
                log.setLong(1, upTo);
                log.executeUpdate();
                for (ObjectState t : tombstones) {
                    read.setString(1, t.klass());
                    read.setString(2, t.id());
                    boolean dead;
                    try (ResultSet rs = read.executeQuery()) {
                        dead = rs.next() && codec.decodeState(rs.getBytes(1)).destroyed();
                    }
                    if (dead) {
                        drop.setString(1, t.klass());
                        drop.setString(2, t.id());
                        drop.executeUpdate();
                    }
                }
            }
            return true;
        });
    }

    /** Work on the database that may fail with an SQLException. */
    private interface Work<T> {
        T run() throws SQLException;
    }

    /**
     * Runs {@code work} as one transaction: committed when it returns, rolled back when it throws. Caller holds this
     * store's lock.
     *
     * @throws ScribeException 500 naming {@code what} when the database fails
     */
    private <T> T inTransaction(String what, Work<T> work) {
        try {
            db.setAutoCommit(false);
            try {
                T result = work.run();
                db.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite " + what + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * Sets one cursor outside a {@link #commit}: for a position the app keeps itself (use a key no peer GUID can
     * take). Durable when this returns.
     */
    public synchronized void saveCursor(String key, String cursor) {
        try (PreparedStatement ps = db.prepareStatement(
                "INSERT OR REPLACE INTO scribe_cursors (client, cursor) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setString(2, cursor);
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite write failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized Optional<ObjectState> object(String klass, String id) {
        try (PreparedStatement ps = db.prepareStatement(
                "SELECT payload FROM scribe_objects WHERE klass = ? AND id = ?")) {
            ps.setString(1, klass);
            ps.setString(2, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(codec.decodeState(rs.getBytes(1))) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite read failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void forEachObject(Consumer<ObjectState> action) {
        List<ObjectState> all = new ArrayList<>();
        synchronized (this) {
            try (Statement st = db.createStatement();
                    ResultSet rs = st.executeQuery("SELECT payload FROM scribe_objects")) {
                while (rs.next()) {
                    all.add(codec.decodeState(rs.getBytes(1)));
                }
            } catch (SQLException e) {
                throw new ScribeException(ScribeException.INTERNAL, "SQLite read failed: " + e.getMessage(), e);
            }
        }
        all.forEach(action);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new ScribeException(ScribeException.INTERNAL, "SQLite close failed: " + e.getMessage(), e);
        }
    }
}
