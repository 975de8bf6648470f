package io.scribe.docsync.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The server's own tables beside the Scribe store, in PostgreSQL (JSONB) or an embedded SQLite file: credentials,
 * users, which client GUID belongs to which user, the documents as JSON and the append-only event log.
 */
public final class Db implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HikariDataSource pool;
    private final boolean pg;

    private Db(HikariDataSource pool, boolean pg) {
        this.pool = pool;
        this.pg = pg;
    }

    /** Opens the tables in the schema of a Scribe PostgreSQL URL ({@code postgresql://H:P/DB?user=U&schema=S}). */
    public static Db postgres(String scribeUrl) {
        URI uri = URI.create(scribeUrl);
        Map<String, String> q = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                int i = kv.indexOf('=');
                q.put(i < 0 ? kv : kv.substring(0, i), i < 0 ? "" : java.net.URLDecoder.decode(kv.substring(i + 1),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        String schema = q.getOrDefault("schema", "scribe");
        if (!schema.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("schema must be an SQL identifier: " + schema);
        }
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort())
                + uri.getPath() + "?currentSchema=" + schema);
        if (q.containsKey("user")) {
            c.setUsername(q.get("user"));
        }
        if (q.containsKey("password")) {
            c.setPassword(q.get("password"));
        }
        c.setMaximumPoolSize(4);
        c.setPoolName("doc-sync-" + schema);
        HikariDataSource ds = new HikariDataSource(c);
        Db db = new Db(ds, true);
        db.migrate("CREATE SCHEMA IF NOT EXISTS " + schema);
        return db;
    }

    /** Opens (creating) the tables in the SQLite file {@code file}. */
    public static Db sqlite(Path file) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:sqlite:" + file.toAbsolutePath());
        c.setMaximumPoolSize(1);
        c.setPoolName("doc-sync-sqlite");
        c.setConnectionInitSql("PRAGMA busy_timeout=5000");
        Db db = new Db(new HikariDataSource(c), false);
        db.migrate(null);
        return db;
    }

    private void migrate(String createSchema) {
        String json = pg ? "JSONB" : "TEXT";
        String serial = pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
        String time = pg ? "TIMESTAMPTZ" : "TEXT";
        try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
            if (createSchema != null) {
                st.execute(createSchema);
            }
            st.execute("CREATE TABLE IF NOT EXISTS docsync_credentials (api_key TEXT PRIMARY KEY, name TEXT NOT NULL,"
                    + " secret_sealed TEXT NOT NULL, email TEXT, created_at " + time + " NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS docsync_users (email TEXT PRIMARY KEY, created_at " + time
                    + " NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS docsync_clients (client_id TEXT PRIMARY KEY, email TEXT NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS docsync_documents (id TEXT PRIMARY KEY, owner TEXT NOT NULL,"
                    + " title TEXT, content " + json + " NOT NULL, version BIGINT NOT NULL, revision TEXT,"
                    + " deleted BOOLEAN NOT NULL DEFAULT FALSE)");
            st.execute("CREATE TABLE IF NOT EXISTS docsync_events (seq " + serial + ", doc_id TEXT NOT NULL,"
                    + " kind TEXT NOT NULL, author TEXT NOT NULL, client_id TEXT NOT NULL, at " + time + " NOT NULL,"
                    + " version BIGINT NOT NULL, forward " + json + ", reverse " + json + ","
                    + " lost BOOLEAN NOT NULL DEFAULT FALSE)");
            st.execute("CREATE INDEX IF NOT EXISTS docsync_events_doc ON docsync_events (doc_id, seq)");
            st.execute("CREATE TABLE IF NOT EXISTS docsync_signatures (signature TEXT PRIMARY KEY,"
                    + " seen_at BIGINT NOT NULL)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the doc-sync tables: " + e.getMessage(), e);
        }
    }

    private Object json(JsonNode node) throws SQLException {
        if (node == null) {
            return null;
        }
        if (!pg) {
            return node.toString();
        }
        org.postgresql.util.PGobject o = new org.postgresql.util.PGobject();
        o.setType("jsonb");
        o.setValue(node.toString());
        return o;
    }

    private Object now() {
        return pg ? Timestamp.from(Instant.now()) : Instant.now().toString();
    }

    private static JsonNode parse(String s) {
        if (s == null) {
            return null;
        }
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("stored JSON unreadable: " + e, e);
        }
    }

    // --- credentials and users

    public void addCredential(String apiKey, String name, String sealedSecret, String email) {
        update("INSERT INTO docsync_credentials (api_key, name, secret_sealed, email, created_at) VALUES (?,?,?,?,?)",
                apiKey, name, sealedSecret, email, now());
    }

    /** The sealed secret and bound email (may be null) of {@code apiKey}. */
    public Optional<String[]> credential(String apiKey) {
        return query("SELECT secret_sealed, email FROM docsync_credentials WHERE api_key = ?",
                rs -> new String[] {rs.getString(1), rs.getString(2)}, apiKey);
    }

    /** Binds a credential to the email of its first login; true if it is (now) bound to {@code email}. */
    public boolean bindCredential(String apiKey, String email) {
        update("UPDATE docsync_credentials SET email = ? WHERE api_key = ? AND email IS NULL", email, apiKey);
        return credential(apiKey).map(c -> email.equals(c[1])).orElse(false);
    }

    /** Creates the user on first login. */
    public void ensureUser(String email) {
        update(pg ? "INSERT INTO docsync_users (email, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO docsync_users (email, created_at) VALUES (?, ?)", email, now());
    }

    public long count(String table) {
        return query("SELECT count(*) FROM " + table, rs -> rs.getLong(1)).orElse(0L);
    }

    /** Binds a client GUID to a user on its first login; true if it is (now) bound to {@code email}. */
    public boolean bindClient(String clientId, String email) {
        update(pg ? "INSERT INTO docsync_clients (client_id, email) VALUES (?, ?) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO docsync_clients (client_id, email) VALUES (?, ?)", clientId, email);
        return query("SELECT email FROM docsync_clients WHERE client_id = ?", rs -> rs.getString(1), clientId)
                .map(email::equals).orElse(false);
    }

    /**
     * Records a signature as used, in the database so that a restarted server (or another node) still refuses a
     * replay; forgets signatures older than {@code forgetBefore} (epoch seconds), which the time window refuses
     * anyway.
     *
     * @return false if the signature was used before
     */
    public boolean useSignature(String signature, long now, long forgetBefore) {
        update("DELETE FROM docsync_signatures WHERE seen_at < ?", forgetBefore);
        return update(pg ? "INSERT INTO docsync_signatures (signature, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO docsync_signatures (signature, seen_at) VALUES (?, ?)", signature, now) == 1;
    }

    public Map<String, String> clients() {
        Map<String, String> m = new java.util.concurrent.ConcurrentHashMap<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT client_id, email FROM docsync_clients");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                m.put(rs.getString(1), rs.getString(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return m;
    }

    // --- documents and events

    /** The document as last stored, or empty. */
    public Optional<ObjectNode> document(String id) {
        return query("SELECT content, version, title, owner, revision FROM docsync_documents WHERE id = ?"
                + " AND NOT deleted", rs -> (ObjectNode) parse(rs.getString(1)), id);
    }

    /**
     * Appends one event and updates the document row in one transaction.
     *
     * @param doc the document after the change (null for a delete)
     */
    public void append(String docId, String kind, String author, String clientId, long version, JsonNode forward,
            JsonNode reverse, boolean lost, ObjectNode doc) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO docsync_events (doc_id, kind, author,"
                        + " client_id, at, version, forward, reverse, lost) VALUES (?,?,?,?,?,?,?,?,?)")) {
                    ps.setString(1, docId);
                    ps.setString(2, kind);
                    ps.setString(3, author);
                    ps.setString(4, clientId);
                    ps.setObject(5, now());
                    ps.setLong(6, version);
                    ps.setObject(7, json(forward));
                    ps.setObject(8, json(reverse));
                    ps.setBoolean(9, lost);
                    ps.executeUpdate();
                }
                if (!lost) {
                    String upsert = doc == null
                            ? "UPDATE docsync_documents SET deleted = TRUE, version = ? WHERE id = ?"
                            : (pg ? "INSERT INTO docsync_documents (id, owner, title, content, version, revision)"
                                    + " VALUES (?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title,"
                                    + " content = EXCLUDED.content, version = EXCLUDED.version,"
                                    + " revision = EXCLUDED.revision"
                                    : "INSERT OR REPLACE INTO docsync_documents (id, owner, title, content, version,"
                                    + " revision) VALUES (?,?,?,?,?,?)");
                    try (PreparedStatement ps = c.prepareStatement(upsert)) {
                        if (doc == null) {
                            ps.setLong(1, version);
                            ps.setString(2, docId);
                        } else {
                            ps.setString(1, docId);
                            ps.setString(2, doc.path("owner").asText());
                            ps.setString(3, doc.path("title").asText(null));
                            ps.setObject(4, json(doc.get("content")));
                            ps.setLong(5, version);
                            ps.setString(6, doc.path("revision").asText(null));
                        }
                        ps.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot append to the event log: " + e.getMessage(), e);
        }
    }

    /** The events of one document in order, each {@code {seq, kind, author, clientId, version, forward, reverse, lost}}. */
    public ArrayNode events(String docId) {
        ArrayNode out = JSON.createArrayNode();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT seq, kind, author, client_id, version, forward,"
                        + " reverse, lost, at FROM docsync_events WHERE doc_id = ? ORDER BY seq")) {
            ps.setString(1, docId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode e = out.addObject();
                    e.put("seq", rs.getLong(1)).put("kind", rs.getString(2)).put("author", rs.getString(3))
                            .put("clientId", rs.getString(4)).put("version", rs.getLong(5));
                    e.set("forward", parse(rs.getString(6)));
                    e.set("reverse", parse(rs.getString(7)));
                    e.put("lost", rs.getBoolean(8)).put("at", rs.getString(9));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return out;
    }

    /** The lost changes of one user, oldest first: {@code {seq, docId, at, version, forward}}. */
    public ArrayNode conflicts(String author) {
        ArrayNode out = JSON.createArrayNode();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT seq, doc_id, at, version, forward FROM"
                        + " docsync_events WHERE author = ? AND kind = 'conflict' AND lost ORDER BY seq")) {
            ps.setString(1, author);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode e = out.addObject();
                    e.put("seq", rs.getLong(1)).put("docId", rs.getString(2)).put("at", rs.getString(3))
                            .put("version", rs.getLong(4));
                    e.set("forward", parse(rs.getString(5)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return out;
    }

    @FunctionalInterface
    private interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private <T> Optional<T> query(String sql, Row<T> row, Object... args) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(row.read(rs)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    private int update(String sql, Object... args) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
