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
    private String schema;

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
        db.schema = schema;
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
            st.execute("CREATE TABLE IF NOT EXISTS docsync_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
            addColumn(st, "docsync_documents", "readers TEXT");
            addColumn(st, "docsync_credentials", "revoked_at " + time);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the doc-sync tables: " + e.getMessage(), e);
        }
    }

    private void addColumn(Statement st, String table, String column) throws SQLException {
        if (pg) {
            st.execute("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + column);
            return;
        }
        String name = column.substring(0, column.indexOf(' '));
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pragma_table_info('" + table + "') WHERE name = '"
                + name + "'")) {
            rs.next();
            if (rs.getInt(1) > 0) {
                return;
            }
        }
        st.execute("ALTER TABLE " + table + " ADD COLUMN " + column);
    }

    /** Whether these tables are in PostgreSQL (else SQLite). */
    public boolean isPostgres() {
        return pg;
    }

    /** A value of the {@code docsync_meta} table. */
    public Optional<String> meta(String name) {
        return query("SELECT value FROM docsync_meta WHERE name = ?", rs -> rs.getString(1), name);
    }

    /** Sets a value of the {@code docsync_meta} table unless it is set; returns the value it holds afterwards. */
    public String metaIfAbsent(String name, String value) {
        update(pg ? "INSERT INTO docsync_meta (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING"
                : "INSERT OR IGNORE INTO docsync_meta (name, value) VALUES (?, ?)", name, value);
        return meta(name).orElseThrow();
    }

    /** One row of the event log with the document row it leaves (see {@link #writeEvents}). */
    public record Event(String docId, String kind, String author, String clientId, long version, JsonNode forward,
            JsonNode reverse, boolean lost, ObjectNode doc, JsonNode readers) {}

    /**
     * Writes events and the document rows they leave on {@code c}, inside the caller's transaction. With
     * {@code checkVersions}, each event must follow the version the database holds for its document (another server
     * sharing the database may have moved it on): otherwise this throws and the caller's transaction rolls back.
     *
     * <p>A constant number of statements, whatever the number of events: one version check of all their documents,
     * one batch of event rows, and one batch of document rows (a document's row is written once, as its last event
     * leaves it, unless a delete falls between its writes).
     */
    public void writeEvents(Connection c, java.util.List<Event> events, boolean checkVersions) throws SQLException {
        if (events.isEmpty()) {
            return;
        }
        // The connection may be another pool's (the Scribe store's): the tables are named with their schema.
        String documents = table("docsync_documents");
        if (checkVersions) {
            Map<String, Long> current = versions(c, documents, events);
            for (Event e : events) {
                if (e.lost()) {
                    continue;
                }
                long at = current.get(e.docId());
                if (at != e.version() - 1) {
                    throw new SQLException("document " + e.docId() + " is at version " + at
                            + " in the database, not " + (e.version() - 1) + " as this server thought; retried"
                            + " once this server has read what another server wrote", "40001");
                }
                current.put(e.docId(), e.version());
            }
        }
        try (PreparedStatement ps = c.prepareStatement(insertEvent())) {
            for (Event e : events) {
                bindEvent(ps, e);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        // The rows to write, in order: consecutive writes of one document leave the row as the last of them does
        // (its owner never changes), so only the last is kept; a delete keeps the writes before it.
        java.util.List<Event> rows = new java.util.ArrayList<>();
        Map<String, Integer> lastUpsert = new java.util.HashMap<>();
        for (Event e : events) {
            if (e.lost()) {
                continue;
            }
            if (e.doc() == null) {
                lastUpsert.remove(e.docId());
                rows.add(e);
                continue;
            }
            Integer i = lastUpsert.get(e.docId());
            if (i != null) {
                rows.set(i, e);
            } else {
                lastUpsert.put(e.docId(), rows.size());
                rows.add(e);
            }
        }
        String upsert = pg ? "INSERT INTO " + documents + " (id, owner, title, content, version, revision, readers)"
                + " VALUES (?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title,"
                + " content = EXCLUDED.content, version = EXCLUDED.version, revision = EXCLUDED.revision,"
                + " readers = EXCLUDED.readers"
                : "INSERT OR REPLACE INTO docsync_documents (id, owner, title, content, version, revision, readers)"
                + " VALUES (?,?,?,?,?,?,?)";
        String delete = "UPDATE " + documents + " SET deleted = TRUE, version = ?, readers = ? WHERE id = ?";
        // Runs of one kind are one batch each; the order between a document's writes and deletes is kept.
        try (PreparedStatement up = c.prepareStatement(upsert); PreparedStatement del = c.prepareStatement(delete)) {
            PreparedStatement pending = null;
            for (Event e : rows) {
                PreparedStatement ps = e.doc() == null ? del : up;
                if (pending != null && pending != ps) {
                    pending.executeBatch();
                }
                pending = ps;
                ObjectNode doc = e.doc();
                if (doc == null) {
                    ps.setLong(1, e.version());
                    ps.setString(2, e.readers() == null ? null : e.readers().toString());
                    ps.setString(3, e.docId());
                } else {
                    ps.setString(1, e.docId());
                    ps.setString(2, doc.path("owner").asText());
                    ps.setString(3, doc.path("title").asText(null));
                    ps.setObject(4, json(doc.get("content")));
                    ps.setLong(5, e.version());
                    ps.setString(6, doc.path("revision").asText(null));
                    ps.setString(7, e.readers() == null ? null : e.readers().toString());
                }
                ps.addBatch();
            }
            if (pending != null) {
                pending.executeBatch();
            }
        }
    }

    /** The versions the database holds for the documents of {@code events} (0 for none), locked on PostgreSQL. */
    private Map<String, Long> versions(Connection c, String documents, java.util.List<Event> events)
            throws SQLException {
        Map<String, Long> current = new java.util.HashMap<>();
        java.util.Set<String> ids = new java.util.LinkedHashSet<>();
        for (Event e : events) {
            if (!e.lost()) {
                ids.add(e.docId());
                current.put(e.docId(), 0L);
            }
        }
        if (ids.isEmpty()) {
            return current;
        }
        if (pg) {
            // One statement for all; rows are locked in id order, so that two servers cannot deadlock on them.
            try (PreparedStatement ps = c.prepareStatement("SELECT id, version FROM " + documents
                    + " WHERE id = ANY (?) ORDER BY id FOR UPDATE")) {
                ps.setArray(1, c.createArrayOf("text", ids.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        current.put(rs.getString(1), rs.getLong(2));
                    }
                }
            }
            return current;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM docsync_documents WHERE id = ?")) {
            for (String id : ids) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        current.put(id, rs.getLong(1));
                    }
                }
            }
        }
        return current;
    }

    /** A table of these tables, named with its schema on PostgreSQL. */
    /** The insert of one event row; {@link #bindEvent} sets its values. */
    private String insertEvent() {
        return "INSERT INTO " + table("docsync_events") + " (doc_id, kind, author, client_id, at, version, forward,"
                + " reverse, lost) VALUES (?,?,?,?,?,?,?,?,?)";
    }

    private void bindEvent(PreparedStatement ps, Event e) throws SQLException {
        ps.setString(1, e.docId());
        ps.setString(2, e.kind());
        ps.setString(3, e.author());
        ps.setString(4, e.clientId());
        ps.setObject(5, now());
        ps.setLong(6, e.version());
        ps.setObject(7, json(e.forward()));
        ps.setObject(8, json(e.reverse()));
        ps.setBoolean(9, e.lost());
    }

    private String table(String name) {
        return pg ? schema + "." + name : name;
    }

    /** Writes events in a transaction of their own (see {@link #writeEvents(Connection, java.util.List, boolean)}). */
    public void writeEvents(java.util.List<Event> events, boolean checkVersions) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                writeEvents(c, events, checkVersions);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot append to the event log: " + e.getMessage(), e);
        }
    }

    /** The documents row of one document, deleted or not: {@code {id, owner, version, deleted, readers}}. */
    public Optional<ObjectNode> documentRow(String id) {
        return query("SELECT owner, version, deleted, readers FROM docsync_documents WHERE id = ?", rs -> {
            ObjectNode n = JSON.createObjectNode().put("id", id).put("owner", rs.getString(1))
                    .put("version", rs.getLong(2)).put("deleted", rs.getBoolean(3));
            n.set("readers", parse(rs.getString(4)));
            return n;
        }, id);
    }

    /** The documents row of every document, deleted ones too: {@code {id, owner, version, deleted, readers}}. */
    public Map<String, ObjectNode> documentRows() {
        Map<String, ObjectNode> out = new LinkedHashMap<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT id, owner, version, deleted, readers, title, content, revision FROM docsync_documents");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ObjectNode n = JSON.createObjectNode().put("id", rs.getString(1)).put("owner", rs.getString(2))
                        .put("version", rs.getLong(3)).put("deleted", rs.getBoolean(4));
                n.set("readers", parse(rs.getString(5)));
                n.put("title", rs.getString(6));
                n.set("content", parse(rs.getString(7)));
                n.put("revision", rs.getString(8));
                out.put(rs.getString(1), n);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return out;
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

    /** The sealed secret, bound email (may be null) and revocation time (null: valid) of {@code apiKey}. */
    public Optional<String[]> credential(String apiKey) {
        return query("SELECT secret_sealed, email, revoked_at FROM docsync_credentials WHERE api_key = ?",
                rs -> new String[] {rs.getString(1), rs.getString(2), rs.getString(3)}, apiKey);
    }

    /** Every credential, oldest first: {@code [apiKey, sealedSecret, name, email, createdAt, revokedAt]}. */
    public java.util.List<String[]> credentials() {
        java.util.List<String[]> out = new java.util.ArrayList<>();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT api_key, secret_sealed, name, email, created_at,"
                        + " revoked_at FROM docsync_credentials ORDER BY created_at, api_key");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6)});
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return out;
    }

    /** Marks a credential revoked: later logins with it are refused. Returns false if there is no such key. */
    public boolean revokeCredential(String apiKey) {
        return update("UPDATE docsync_credentials SET revoked_at = ? WHERE api_key = ? AND revoked_at IS NULL",
                now(), apiKey) == 1 || credential(apiKey).isPresent();
    }

    /** Replaces the sealed secret of a credential. Returns false if there is no such key. */
    public boolean resealCredential(String apiKey, String sealedSecret) {
        return update("UPDATE docsync_credentials SET secret_sealed = ?, revoked_at = NULL WHERE api_key = ?",
                sealedSecret, apiKey) == 1;
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

    /**
     * The lost changes of one user, oldest first: {@code {seq, docId, clientId, at, version, forward}}.
     *
     * @param after only those logged after this {@code seq} (0 for all)
     * @param clientId only those made by this client, or null for all of the user's clients
     */
    public ArrayNode conflicts(String author, long after, String clientId) {
        ArrayNode out = JSON.createArrayNode();
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT seq, doc_id, client_id, at, version, forward FROM"
                        + " docsync_events WHERE author = ? AND kind = 'conflict' AND lost AND seq > ?"
                        + (clientId == null ? "" : " AND client_id = ?") + " ORDER BY seq")) {
            ps.setString(1, author);
            ps.setLong(2, after);
            if (clientId != null) {
                ps.setString(3, clientId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ObjectNode e = out.addObject();
                    e.put("seq", rs.getLong(1)).put("docId", rs.getString(2)).put("clientId", rs.getString(3))
                            .put("at", rs.getString(4)).put("version", rs.getLong(5));
                    e.set("forward", parse(rs.getString(6)));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        return out;
    }

    /**
     * Logs a change that lost (an event with {@code lost} set, which leaves no document row) in a transaction of its
     * own, and returns its {@code seq}.
     */
    public long logLost(Event e) {
        if (!e.lost()) {
            throw new IllegalArgumentException("not a lost change: " + e.kind() + " of " + e.docId());
        }
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(insertEvent()
                + " RETURNING seq")) {
            bindEvent(ps, e);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException x) {
            throw new IllegalStateException("cannot append to the event log: " + x.getMessage(), x);
        }
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
