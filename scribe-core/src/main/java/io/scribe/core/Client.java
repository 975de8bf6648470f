package io.scribe.core;

import io.scribe.core.spi.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A remote peer as this peer knows it: its GUID and its cursor, the id of the last scribe of its log that this peer
 * has processed (kept in the store, so it survives restarts). Everything is a client, a server too.
 *
 * <p>Obtained from {@link Scriber#client(String)}; thread-safe.
 */
public final class Client {

    private static final int REMEMBERED_IDS = 10_000;

    private final Scriber scriber;
    private final String id;
    // The latest ids of clockless (Syncro) scribes played from this client, to drop a second delivery. Guarded by
    // the Scriber's lock.
    private final java.util.LinkedHashMap<String, Boolean> seen = new java.util.LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_IDS;
        }
    };

    /** How far the client has acknowledged this peer's log. */
    final Acknowledged acknowledged;

    // The identity of the client's log as its latest played answer to a sync stated it (null: not stated), and the
    // one stored with the cursor (see LogIdentity), read once.
    volatile String log;
    private volatile String storedLog;
    private volatile boolean storedLogRead;

    /** The identity of the client's log its stored cursor is a position of, or null when none was stated. */
    String storedLog() {
        if (!storedLogRead) {
            storedLog = scriber.store.cursor(LogIdentity.keyOf(id)).filter(l -> !l.isEmpty()).orElse(null);
            storedLogRead = true;
        }
        return storedLog;
    }

    /** {@code log} was stored with the cursor (see {@link Txn#cursor}). */
    void storingLog(String log) {
        storedLog = log;
        storedLogRead = true;
    }

    Client(Scriber scriber, String id) {
        this.scriber = scriber;
        this.id = id;
        this.acknowledged = new Acknowledged(scriber, id);
    }

    /**
     * The number of scribes recorded on this peer that the client has not acknowledged yet: an offline indicator's
     * count of local changes still to send. The client acknowledges a scribe by answering its push, by asking for
     * what comes after it when it catches up, or by answering the {@code noop} that follows the last page of its
     * catch-up. The acknowledged position is kept in the store (written a moment after it moves), so the count
     * survives a restart; before the client ever acknowledged anything, every local scribe counts. A scribe the
     * client may not see counts until an acknowledgment passes it (its next catch-up).
     *
     * <p>Reads the log after the acknowledged position: cheap when little is pending. Thread-safe.
     */
    public long pending() {
        return acknowledged.pending();
    }

    /**
     * When the oldest of the scribes {@link #pending()} counts was recorded (the wall-clock part of its stamp), or
     * empty when none is pending: how far behind the client is, in time. Reads the log like {@code pending()}.
     */
    public Optional<java.time.Instant> oldestPending() {
        return acknowledged.oldestPending();
    }

    /** The client's GUID. */
    public String id() {
        return id;
    }

    /**
     * The id of the last scribe of the client's log processed here, as the client gave it (opaque: a Syncro peer's
     * ids are random strings); empty before the first catch-up.
     */
    public Optional<String> cursor() {
        return scriber.store.cursor(id);
    }

    /** Opens a session over {@code connection} with the Scriber's default {@link Wire}. */
    public Session connect(Connection connection) {
        return connect(connection, scriber.wire);
    }

    /**
     * Opens a session over {@code connection}. Nothing is sent until {@link Session#sync()} is called.
     *
     * <p>When the Scriber requires no authentication, anyone can name any client, so a client has one session at a
     * time: while one is open, a second is refused with error 409 (a reconnect after a connection that only looks
     * open succeeds once that one is dropped, by the transport's idle timeout), or, when the Scriber allows {@code
     * sessionTakeover}, the older session is closed. With authentication, several may be open; the older ones give
     * way once the newer one has authenticated.
     *
     * @throws IllegalStateException if the Scriber is closed
     * @throws ScribeException with code 409 if the client already has an open session and may not be taken over
     */
    public Session connect(Connection connection, Wire wire) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(wire, "wire");
        scriber.checkOpen();
        scriber.committer.frames.note(wire);
        Session session = new Session(scriber, this, connection, wire);
        List<Session> older;
        scriber.lock.lock();
        try {
            older = scriber.requiresAuthentication() ? List.of() : sessions();
            if (!older.isEmpty() && !scriber.sessionTakeover) {
                throw new ScribeException(ScribeException.CONFLICT, "client " + id + " is already connected; a"
                        + " second session is refused while the first is open");
            }
            scriber.sessions.add(session);
        } finally {
            scriber.lock.unlock();
        }
        for (Session old : older) {
            // Explicitly allowed: a reconnect replaces its half-open predecessor.
            old.disconnect();
        }
        return session;
    }

    /**
     * Opens a session for one request/answer exchange, as an HTTP sync request is served: it goes through the same
     * rules as any session of this client (the authentication gate, the origin check, admission, access rules,
     * cursor), but it is not one of the client's connections: it is not listed in {@link #sessions()}, receives no
     * pushes, neither refuses nor replaces the client's open sessions (also when it authenticates), and its pushed
     * scribes move the client's cursor as a caught-up session's do (the client sends its scribes in log order). The
     * caller feeds it messages with {@link Session#receiveMessage}, reads the answers from {@code connection} and
     * calls {@link Session#disconnect()} when done.
     *
     * @throws IllegalStateException if the Scriber is closed
     */
    public Session exchange(Connection connection, Wire wire) {
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(wire, "wire");
        scriber.checkOpen();
        Session session = new Session(scriber, this, connection, wire);
        session.markExchange();
        return session;
    }

    /** The open sessions to this client. */
    public List<Session> sessions() {
        List<Session> result = new ArrayList<>();
        for (Session s : scriber.sessions) {
            if (s.client() == this) {
                result.add(s);
            }
        }
        return result;
    }

    // Corrections a Syncro session could not deliver before it closed: object → fields. Guarded by the lock.
    private final java.util.Map<Key, java.util.Set<String>> owed = new java.util.HashMap<>();

    void owe(Key key, java.util.Set<String> fields) {
        owed.computeIfAbsent(key, k -> new java.util.HashSet<>()).addAll(fields);
    }

    java.util.Map<Key, java.util.Set<String>> takeOwed() {
        java.util.Map<Key, java.util.Set<String>> taken = new java.util.HashMap<>(owed);
        owed.clear();
        return taken;
    }

    boolean seen(String scribeId) {
        return seen.get(scribeId) != null;
    }

    void markSeen(String scribeId) {
        seen.put(scribeId, Boolean.TRUE);
    }

    @Override
    public String toString() {
        return "Client[" + id + "]";
    }
}
