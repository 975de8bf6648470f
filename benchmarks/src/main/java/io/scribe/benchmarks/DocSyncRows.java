package io.scribe.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.util.PGobject;

/**
 * The raw JDBC writes of exactly the rows a doc-sync server writes for its edits, for {@link DocSyncBenchmark}: the
 * rows are copied from what the server stored in the benchmark's schema (its log, object states, cursors, event rows
 * and document rows), and written again into tables of the same definitions in batches of {@code batch} edits per
 * transaction, statement for statement as the server's store and event log write them: the log lock and numbering,
 * one statement for the log rows (two per edit: the client's change and the server's version stamp), the object
 * states and the cursors, the version check of the documents, the event rows, the document rows. What is left
 * between this and the server's figure is Scribe's own cost (WebSocket, parsing, authorising, merging, patches,
 * encoding, the engine), with the same database work on both sides.
 */
final class DocSyncRows {

    private record Event(String docId, String kind, String author, String clientId, long version, String forward,
            String reverse) {}

    private record Doc(String id, String owner, String title, String content, long version, String revision,
            String readers) {}

    private final String url;
    private final String schema;
    private final List<String> scribes = new ArrayList<>();
    private final List<String[]> objects = new ArrayList<>();
    private final List<String[]> cursors = new ArrayList<>();
    private final List<Event> events = new ArrayList<>();
    private final List<Doc> docs = new ArrayList<>();

    /**
     * Copies the newest rows the server of {@code schema} wrote (run after a round of edits) and creates the tables
     * they are written to again, {@code same_*}, in that schema.
     */
    DocSyncRows(String url, String schema, int batch) throws SQLException {
        this.url = url;
        this.schema = schema;
        try (Connection c = DriverManager.getConnection(url + "&currentSchema=" + schema);
                Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT scribe::text FROM log ORDER BY id DESC LIMIT " + 2 * batch)) {
                while (rs.next()) {
                    scribes.add(rs.getString(1));
                }
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT klass, id, state::text FROM objects WHERE klass = 'Document'")) {
                while (rs.next()) {
                    objects.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT client, cursor FROM cursors")) {
                while (rs.next()) {
                    cursors.add(new String[] {rs.getString(1), rs.getString(2)});
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT doc_id, kind, author, client_id, version, forward::text,"
                    + " reverse::text FROM docsync_events ORDER BY seq DESC LIMIT " + batch)) {
                while (rs.next()) {
                    events.add(new Event(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getString(6), rs.getString(7)));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT id, owner, title, content::text, version, revision, readers"
                    + " FROM docsync_documents")) {
                while (rs.next()) {
                    docs.add(new Doc(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getString(6), rs.getString(7)));
                }
            }
            for (String t : List.of("log", "objects", "cursors", "docsync_events", "docsync_documents")) {
                st.execute("CREATE TABLE same_" + t + " (LIKE " + t + " INCLUDING ALL)");
            }
        }
        if (scribes.size() < 2 * batch || events.size() < batch || objects.isEmpty() || docs.isEmpty()) {
            throw new IllegalStateException("the server has not written a batch of edits yet");
        }
    }

    /**
     * Writes the rows of {@code updates} edits, {@code batch} edits per transaction, each batch touching {@code
     * documents} documents (as many clients edit at once), and returns edits per second.
     */
    double round(int updates, int batch, int documents) throws SQLException {
        int docsPerBatch = Math.min(documents, Math.min(batch, Math.min(objects.size(), docs.size())));
        try (Connection c = DriverManager.getConnection(url + "&currentSchema=" + schema)) {
            c.setAutoCommit(false);
            long start = System.nanoTime();
            for (int done = 0; done < updates; done += batch) {
                int edits = Math.min(batch, updates - done);
                long next;
                try (Statement st = c.createStatement()) {
                    st.execute("LOCK TABLE same_log IN EXCLUSIVE MODE; SELECT coalesce(max(id), 0) FROM same_log");
                    while (st.getResultSet() == null) {
                        st.getMoreResults();
                    }
                    try (ResultSet rs = st.getResultSet()) {
                        rs.next();
                        next = rs.getLong(1) + 1;
                    }
                }
                Long[] ids = new Long[2 * edits];
                String[] texts = new String[2 * edits];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = next + i;
                    texts[i] = scribes.get(i % scribes.size());
                }
                String[][] states = columns(objects, docsPerBatch, 3);
                String[][] marks = columns(cursors, Math.min(docsPerBatch, cursors.size()), 2);
                try (PreparedStatement ps = c.prepareStatement("WITH w1 AS (INSERT INTO same_log (id, scribe)"
                        + " SELECT i, s::jsonb FROM unnest(?::bigint[], ?::text[]) AS t (i, s)),"
                        + " w2 AS (INSERT INTO same_objects (klass, id, state) SELECT k, i, s::jsonb FROM"
                        + " unnest(?::text[], ?::text[], ?::text[]) AS t (k, i, s)"
                        + " ON CONFLICT (klass, id) DO UPDATE SET state = excluded.state),"
                        + " w3 AS (INSERT INTO same_cursors (client, cursor) SELECT * FROM unnest(?::text[],"
                        + " ?::text[]) ON CONFLICT (client) DO UPDATE SET cursor = excluded.cursor)"
                        + " SELECT pg_notify('same_rows', ?)")) {
                    ps.setArray(1, c.createArrayOf("bigint", ids));
                    ps.setArray(2, c.createArrayOf("text", texts));
                    ps.setArray(3, c.createArrayOf("text", states[0]));
                    ps.setArray(4, c.createArrayOf("text", states[1]));
                    ps.setArray(5, c.createArrayOf("text", states[2]));
                    ps.setArray(6, c.createArrayOf("text", marks[0]));
                    ps.setArray(7, c.createArrayOf("text", marks[1]));
                    ps.setString(8, Long.toString(next + ids.length - 1));
                    ps.executeQuery().close();
                }
                String[] docIds = new String[docsPerBatch];
                for (int i = 0; i < docsPerBatch; i++) {
                    docIds[i] = docs.get(i).id();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "SELECT id, version FROM same_docsync_documents WHERE id = ANY (?) ORDER BY id FOR UPDATE")) {
                    ps.setArray(1, c.createArrayOf("text", docIds));
                    ps.executeQuery().close();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO same_docsync_events (doc_id, kind, author,"
                        + " client_id, at, version, forward, reverse, lost) VALUES (?,?,?,?,now(),?,?,?,false)")) {
                    for (int i = 0; i < edits; i++) {
                        Event e = events.get(i % events.size());
                        ps.setString(1, e.docId());
                        ps.setString(2, e.kind());
                        ps.setString(3, e.author());
                        ps.setString(4, e.clientId());
                        ps.setLong(5, e.version());
                        ps.setObject(6, jsonb(e.forward()));
                        ps.setObject(7, jsonb(e.reverse()));
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO same_docsync_documents (id, owner, title,"
                        + " content, version, revision, readers) VALUES (?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET"
                        + " title = EXCLUDED.title, content = EXCLUDED.content, version = EXCLUDED.version,"
                        + " revision = EXCLUDED.revision, readers = EXCLUDED.readers")) {
                    for (int i = 0; i < docsPerBatch; i++) {
                        Doc d = docs.get(i);
                        ps.setString(1, d.id());
                        ps.setString(2, d.owner());
                        ps.setString(3, d.title());
                        ps.setObject(4, jsonb(d.content()));
                        ps.setLong(5, d.version() + done);
                        ps.setString(6, d.revision());
                        ps.setString(7, d.readers());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                c.commit();
            }
            return updates / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** The first {@code rows} rows of {@code table} as {@code width} columns. */
    private static String[][] columns(List<String[]> table, int rows, int width) {
        String[][] out = new String[width][rows];
        for (int r = 0; r < rows; r++) {
            for (int w = 0; w < width; w++) {
                out[w][r] = table.get(r)[w];
            }
        }
        return out;
    }

    static PGobject jsonb(String json) throws SQLException {
        PGobject o = new PGobject();
        o.setType("jsonb");
        o.setValue(json);
        return o;
    }
}
