package io.scribe.store.postgres.internal;

import io.scribe.core.ScribeException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's tables and their migrations. Each migration runs once, in order, in the transaction that records it in
 * {@code schema_version}; an advisory lock keeps two processes starting at once from running the same one twice.
 */
public final class Schema {

    private static final Logger log = LoggerFactory.getLogger(Schema.class);

    /** The migrations, version 1 first. {@code %s} is the quoted schema name. */
    private static final List<List<String>> MIGRATIONS = List.of(
            List.of("CREATE TABLE %s.log (id BIGSERIAL PRIMARY KEY, scribe JSONB NOT NULL)",
                    "CREATE TABLE %s.objects (klass TEXT NOT NULL, id TEXT NOT NULL, state JSONB NOT NULL,"
                            + " PRIMARY KEY (klass, id))",
                    "CREATE TABLE %s.cursors (client TEXT PRIMARY KEY, cursor TEXT NOT NULL)"),
            // Version 2, compaction: the id of the last scribe compaction removed from the log, so that the id
            // sequence goes on after the log's head (or all of it) was deleted. One row.
            List.of("CREATE TABLE %s.compacted (one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),"
                            + " up_to BIGINT NOT NULL)",
                    "INSERT INTO %s.compacted (up_to) VALUES (0)"));

    /** The newest schema version this code knows. */
    public static final int LATEST = MIGRATIONS.size();

    private Schema() {}

    /**
     * Creates or migrates {@code schema} to {@link #LATEST}.
     *
     * @throws ScribeException if the schema is newer than this code, or holds tables but no {@code schema_version}
     *     (then nothing is changed)
     */
    public static void migrate(Connection c, String schema) throws SQLException {
        String q = quote(schema);
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "scribe-migrate:" + schema);
                lock.execute();
            }
            st.execute("CREATE SCHEMA IF NOT EXISTS " + q);
            if (!tableExists(c, schema, "schema_version")) {
                List<String> others = tables(c, schema);
                if (!others.isEmpty()) {
                    throw new ScribeException(ScribeException.INTERNAL, "schema " + schema + " holds tables "
                            + others + " but no schema_version: not a Scribe store; nothing was changed");
                }
                st.execute("CREATE TABLE " + q + ".schema_version (version INT PRIMARY KEY,"
                        + " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
            }
            int current;
            try (ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + q + ".schema_version")) {
                rs.next();
                current = rs.getInt(1);
            }
            if (current > LATEST) {
                throw new ScribeException(ScribeException.INTERNAL, "schema " + schema + " is at version " + current
                        + ", newer than the " + LATEST + " this Scribe knows; nothing was changed");
            }
            for (int v = current + 1; v <= LATEST; v++) {
                for (String sql : MIGRATIONS.get(v - 1)) {
                    st.execute(sql.replace("%s", q));
                }
                st.execute("INSERT INTO " + q + ".schema_version (version) VALUES (" + v + ")");
                log.info("postgres store: schema {} migrated to version {}", schema, v);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static boolean tableExists(Connection c, String schema, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static List<String> tables(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY table_name")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                List<String> names = new java.util.ArrayList<>();
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
                return names;
            }
        }
    }

    /** The schema name as a quoted SQL identifier. */
    public static String quote(String schema) {
        return '"' + schema.replace("\"", "\"\"") + '"';
    }
}
