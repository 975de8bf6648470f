package io.scribe.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The clients one Scriber holds a record of, by GUID, connected or not: each one's cursor and acknowledged position
 * live in the store. Thread-safe (under the engine's lock).
 */
final class Clients {

    private final Scriber scriber;
    private final Map<String, Client> byId = new HashMap<>();

    Clients(Scriber scriber) {
        this.scriber = scriber;
    }

    /**
     * The client with this GUID, created on first use, once the id is checked (see {@link Scriber#client}).
     *
     * @throws IllegalArgumentException for this peer's own GUID
     * @throws ScribeException 400 for an id this peer's records use or its store cannot hold
     */
    Client named(String clientId) {
        java.util.Objects.requireNonNull(clientId, "clientId");
        if (clientId.equals(scriber.guid)) {
            throw new IllegalArgumentException("a peer cannot be its own client: " + clientId);
        }
        if (clientId.startsWith(Scriber.RESERVED_PREFIX)) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "client ids starting with "
                    + Scriber.RESERVED_PREFIX + " are reserved for this peer's own records: " + clientId);
        }
        checkClientId(clientId);
        return get(clientId);
    }

    /**
     * Refuses, with 400, a client id that is empty, longer than {@link Scriber#MAX_CLIENT_ID} chars, or holds a
     * control character or half a surrogate pair: it is a key of the store's cursors, which some stores cannot hold
     * (PostgreSQL refuses U+0000) and which are written together with other clients' positions.
     */
    private static void checkClientId(String clientId) {
        String problem = clientId.isEmpty() ? "is empty"
                : clientId.length() > Scriber.MAX_CLIENT_ID ? "is longer than " + Scriber.MAX_CLIENT_ID + " chars"
                : null;
        for (int i = 0; problem == null && i < clientId.length(); i++) {
            char ch = clientId.charAt(i);
            if (Character.isISOControl(ch)) {
                problem = String.format("holds the control character U+%04X at %d", (int) ch, i);
            } else if (Character.isHighSurrogate(ch) && i + 1 < clientId.length()
                    && Character.isLowSurrogate(clientId.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(ch)) {
                problem = "holds half a surrogate pair at " + i;
            }
        }
        if (problem != null) {
            StringBuilder shown = new StringBuilder();
            for (int i = 0; i < Math.min(clientId.length(), 40); i++) {
                char ch = clientId.charAt(i);
                shown.append(Character.isISOControl(ch) || Character.isSurrogate(ch)
                        ? String.format("\\u%04x", (int) ch) : String.valueOf(ch));
            }
            throw new ScribeException(ScribeException.BAD_REQUEST, "client id \"" + shown
                    + (clientId.length() > 40 ? "...\"" : "\"") + " " + problem + "; refused");
        }
    }

    /** The client with this GUID, created on first use; the caller has checked the id. */
    Client get(String clientId) {
        scriber.lock.lock();
        try {
            return byId.computeIfAbsent(clientId, id -> new Client(scriber, id));
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * Forgets a client without an open session: its record and its stored cursor and acknowledged position, in one
     * commit. Returns false, keeping it, while it has an open session.
     */
    boolean forget(String clientId) {
        scriber.lock.lock();
        try {
            Client client = byId.get(clientId);
            if (client != null && !client.sessions().isEmpty()) {
                return false;
            }
            byId.remove(clientId);
            Txn tx = new Txn();
            // An empty cursor removes the client's cursor (see Commit), and what it acknowledged here.
            if (scriber.store.cursor(clientId).isPresent()) {
                tx.cursors().put(clientId, "");
            }
            if (scriber.store.cursor(Acknowledged.KEY_PREFIX + clientId).isPresent()) {
                tx.cursors().put(Acknowledged.KEY_PREFIX + clientId, "");
            }
            for (String key : List.of(LogIdentity.keyOf(clientId), LogIdentity.ownKeyOf(clientId),
                    LogIdentity.atKeyOf(clientId))) {
                if (scriber.store.cursor(key).isPresent()) {
                    tx.cursors().put(key, "");
                }
            }
            if (!tx.isEmpty()) {
                scriber.commit(tx);
            }
            return true;
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * A session closed: its client was seen until now, which its acknowledged position is written with; but a session
     * that never got in (it did not authenticate on a Scriber that requires it) is no client seen (see {@link
     * #dropUnseen}).
     */
    void ended(Session session) {
        if (!session.awaitsAuthentication()) {
            session.client().acknowledged.flush();
        } else {
            dropUnseen(session.client());
        }
    }

    /**
     * Drops the record of {@code client} when nothing of it is stored (neither a cursor nor an acknowledged position)
     * and it has no open session: a name a session gave that never got in (it did not authenticate on a Scriber that
     * requires it). Such a session writes no acknowledged position either, so that a stranger naming itself neither
     * leaves records behind nor holds the log back from compaction for the retention.
     */
    private void dropUnseen(Client client) {
        scriber.lock.lock();
        try {
            if (byId.get(client.id()) == client && client.sessions().isEmpty()
                    && scriber.store.cursor(client.id()).isEmpty()
                    && scriber.store.cursor(Acknowledged.KEY_PREFIX + client.id()).isEmpty()) {
                byId.remove(client.id());
            }
        } catch (RuntimeException e) {
            // The store could not tell: the record stays, as it would have.
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * The clients with at least one open session, once per session; a session still to authenticate (on a Scriber
     * that requires it) does not count: it has seen nothing here.
     */
    List<Client> connected() {
        List<Client> connected = new ArrayList<>();
        for (Session s : scriber.sessions) {
            if (!s.awaitsAuthentication()) {
                connected.add(s.client());
            }
        }
        return connected;
    }

    /** How many clients there is a record of. */
    int count() {
        scriber.lock.lock();
        try {
            return byId.size();
        } finally {
            scriber.lock.unlock();
        }
    }
}
