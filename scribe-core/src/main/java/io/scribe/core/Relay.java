package io.scribe.core;

import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays what this peer stores to the sessions of its clients: which client may see a scribe (the class's recipients
 * rules, for pushes and for catch-up pages), queueing it on each entitled session, and sending what the sessions
 * queued. Deciding and queueing run under the Scriber's lock; a push to a session whose connection has a writer thread
 * is handed to that thread as it is queued, the rest is sent by {@link #flush()} after the lock is released, so that
 * messages go out in the order they were produced without writing under the lock.
 */
final class Relay {

    /** Logs as the Scriber it belongs to. */
    private static final Logger log = LoggerFactory.getLogger(Scriber.class);

    private final Scriber scriber;
    private final ConcurrentLinkedQueue<Session> dirty = new ConcurrentLinkedQueue<>();

    Relay(Scriber scriber) {
        this.scriber = scriber;
    }

    /** Queues {@code scribe} on every session entitled to it but the one it came from. Caller holds the lock. */
    void toSessions(Scribe scribe, Session source, SyncedClass<?> c, Object subject) {
        if (scriber.sessions.isEmpty()) {
            return;   // no iterator of the sessions when there are none
        }
        // Encoded (and its position parsed) once for every session it goes to.
        EncodedScribe encoded = null;
        // This peer's own scribe goes back to no client of its own name: no session's name is read for it.
        boolean own = scribe.origin().equals(scriber.guid);
        // The default recipients let every client have an object it holds: no rule asked per session.
        boolean everyClient = subject != null && c != null && c.policy.sendsToEveryClient();
        for (Session s : scriber.sessions) {
            if (s == source) {
                s.pusher.cameFromPeer(scribe);
                continue;
            }
            if (!s.pushing() || !own && s.client().id().equals(scribe.origin())) {
                continue;
            }
            if (!everyClient && !allowed(c, subject, scribe, s.client().id())) {
                continue;
            }
            if (subject == null && s.wire().isSyncro()) {
                // A destroy of an object this peer never had: a Syncro peer cannot have it either, and would raise.
                continue;
            }
            if (s.syncro != null && c != null && scribe.type() == Scribe.Type.DESTROY
                    && !s.syncro.mayHold(IdentityMap.keyOfScribe(c, scribe))) {
                // It destroyed the object itself: a Ruby Syncro peer raises on a destroy of a record it does not hold.
                continue;
            }
            if (encoded == null) {
                encoded = EncodedScribe.of(scribe);
            }
            s.pusher.push(encoded);
        }
    }

    /**
     * Whether the recipients rules of {@code c} let {@code clientId} have {@code scribe}, whose object is
     * {@code subject} (null when this peer does not hold it: then only a destroy, to its former recipients).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    boolean allowed(SyncedClass c, Object subject, Scribe scribe, String clientId) {
        if (subject == null) {
            if (scribe.type() != Scribe.Type.DESTROY) {
                return false;
            }
            try {
                return c.policy.sendsDestroyTo(SyncedClass.idText(scribe.data().path(0)), clientId);
            } catch (RuntimeException e) {
                log.warn("former recipients rule of {} failed for client {}; not sent", c.klass, clientId, e);
                return false;
            }
        }
        try {
            return c.policy.sendsTo(subject, clientId);
        } catch (RuntimeException e) {
            log.warn("recipients rule of {} failed for client {}; not sent", c.klass, clientId, e);
            return false;
        }
    }

    /**
     * The scribes after {@code afterId} that {@code client} may see, for a catch-up page: not its own, and only
     * those its objects' policies let through. Caller holds the lock.
     */
    boolean visibleTo(Scribe s, String clientId) {
        return visibleTo(s, clientId, false);
    }

    /** {@link #visibleTo(Scribe, String)}, counting the client's own scribes too when {@code own}. */
    boolean visibleTo(Scribe s, String clientId, boolean own) {
        if (!own && clientId.equals(s.origin())) {
            return false;
        }
        SyncedClass<?> c = scriber.classes.byKlass(s.klass());
        if (c == null) {
            return true;
        }
        Object subject = scriber.live.object(IdentityMap.keyOfScribe(c, s));
        return allowed(c, subject, s, clientId);
    }

    /** Fails the requests of every session that waited past the request timeout. */
    void expireRequests() {
        long now = System.nanoTime();
        for (Session s : scriber.sessions) {
            try {
                s.expire(now);
            } catch (RuntimeException e) {
                log.warn("scriber {}: expiring requests of {} failed", scriber.guid, s, e);
            }
        }
    }

    /** {@code session} queued messages: it sends them at the next {@link #flush()}. */
    void markDirty(Session session) {
        dirty.add(session);
    }

    /**
     * Sends what the last steps queued and did not hand to a writer thread (answers, errors, and everything on
     * connections without one; see {@link Outbox#pushShared}) now, on this thread. Called after the lock is released.
     */
    void flush() {
        Session s;
        while ((s = dirty.poll()) != null) {
            s.drain();
        }
    }
}
