package io.scribe.docsync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Session;
import io.scribe.docsync.server.DocServer;
import io.scribe.docsync.store.SqliteStore;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The documents whose changes made here lost a conflict, each marked until it is edited here again, and how this
 * client learns of every such loss, also of those whose notice never reached it.
 *
 * <p>The server logs each loss with a {@code seq} and tells the live sessions of the client that made the change. A
 * client that closes before the notice arrives (or whose connection drops meanwhile) would never hear of it, so the
 * client also asks the server, after each login and after each notice, for its own losses logged after the last
 * {@code seq} it has asked through ({@code {"type":"conflicts","after":SEQ,"thisClient":true}}).
 *
 * <p>Each document's record is the last loss of it handled here, as a {@code seq}: positive while the document is
 * marked, negative once it was edited here again. A loss is handled once, whether its notice or an answer has it
 * first: one at or below the document's record is not marked again, so an edit made between a notice and the answer
 * that lists it again keeps the mark cleared. The records and the {@code seq} asked through are kept in the local
 * store's cursor table ({@code #conflict/ID}, {@code #conflicts-seen}), so that a restart keeps them.
 *
 * <p>Thread-safe: notices and answers arrive on I/O threads while the application edits and reads.
 */
final class ConflictMarks {

    private static final Logger log = LoggerFactory.getLogger(ConflictMarks.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where a document's record is kept in the cursor table (never a client GUID): {@code #conflict/ID}. */
    private static final String MARK = "#conflict/";
    /** Where the {@code seq} this client has asked through is kept. */
    private static final String SEEN = "#conflicts-seen";

    private final SqliteStore store;
    private final BooleanSupplier closed;
    /** Each document's record: the last loss handled, positive while marked, negative once edited again. */
    private final Map<String, Long> records = new HashMap<>();
    private long seen;
    private boolean asking;
    private boolean askAgain;

    ConflictMarks(SqliteStore store, BooleanSupplier closed) {
        this.store = store;
        this.closed = closed;
        store.cursors(MARK).forEach((key, record) -> records.put(key.substring(MARK.length()), parse(record)));
        this.seen = store.cursor(SEEN).map(Long::parseLong).orElse(0L);
    }

    /** A stored record; an earlier release kept {@code 1} for a mark and an empty value for none. */
    private static long parse(String record) {
        return record.isEmpty() ? 0 : Long.parseLong(record);
    }

    /** Whether the document is marked. */
    synchronized boolean isMarked(String docId) {
        return records.getOrDefault(docId, 0L) > 0;
    }

    /** The document was edited here again: its mark goes. */
    synchronized void clear(String docId) {
        long record = records.getOrDefault(docId, 0L);
        if (record > 0) {
            save(docId, -record);
        }
    }

    /**
     * The server's notice of a loss ({@code {"type":"conflict","doc":ID,"seq":SEQ,…}}): marks the document unless
     * that loss was handled already, and asks {@code session} for losses this client was not told of. Returns whether
     * the loss is new here.
     */
    boolean told(Session session, JsonNode notice, Consumer<JsonNode> missed) {
        long seq = notice.path("seq").asLong(0);
        String docId = notice.path("doc").asText();
        if (seq <= 0) {
            // A notice that names no loss: the document is marked, with the last loss handled kept as it was.
            synchronized (this) {
                save(docId, Math.max(1, Math.abs(records.getOrDefault(docId, 0L))));
            }
            return true;
        }
        boolean fresh = handle(docId, seq);
        check(session, missed);
        return fresh;
    }

    /**
     * Asks {@code session} for this client's losses after the last {@code seq} asked through, marks the documents of
     * those not handled yet and hands each of their rows ({@code {seq, docId, clientId, at, version, forward}}) to
     * {@code missed}; then keeps the answer's last {@code seq}. One question is in flight at a time; a call meanwhile
     * asks once more after it.
     */
    void check(Session session, Consumer<JsonNode> missed) {
        long after;
        synchronized (this) {
            if (asking) {
                askAgain = true;
                return;
            }
            asking = true;
            after = seen;
        }
        session.request(JSON.createObjectNode().put("type", DocServer.CONFLICTS).put("after", after)
                .put("thisClient", true)).whenComplete((answer, failure) -> {
                    if (failure == null) {
                        answered(answer.path("result").path("conflicts"), missed);
                    } else {
                        log.debug("asking for lost changes after {}: {}", after, failure.toString());
                    }
                    boolean again;
                    synchronized (this) {
                        asking = false;
                        again = askAgain && failure == null;
                        askAgain = false;
                    }
                    if (again && session.isOpen()) {
                        check(session, missed);
                    }
                });
    }

    private void answered(JsonNode rows, Consumer<JsonNode> missed) {
        long last = 0;
        for (JsonNode row : rows) {
            long seq = row.path("seq").asLong();
            last = Math.max(last, seq);
            if (handle(row.path("docId").asText(), seq)) {
                missed.accept(row);
            }
        }
        synchronized (this) {
            if (last > seen && !closed.getAsBoolean()) {
                seen = last;
                store.saveCursor(SEEN, Long.toString(last));
            }
        }
    }

    /** Marks the document for loss {@code seq} unless its record holds that loss already; returns whether it did. */
    private synchronized boolean handle(String docId, long seq) {
        if (docId.isEmpty() || Math.abs(records.getOrDefault(docId, 0L)) >= seq) {
            return false;
        }
        save(docId, seq);
        return true;
    }

    private void save(String docId, long record) {
        records.put(docId, record);
        if (!closed.getAsBoolean()) {
            store.saveCursor(MARK + docId, Long.toString(record));
        }
    }
}
