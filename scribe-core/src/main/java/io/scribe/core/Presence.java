package io.scribe.core;

import static io.scribe.core.PresenceMessages.mayRelay;
import static io.scribe.core.PresenceMessages.message;
import static io.scribe.core.PresenceMessages.toPeer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ephemeral per-session state, "who is here and what are they doing" (online, a cursor position, typing), carried by
 * the {@code presence} extension message. It is never recorded, stored or replayed: it lives as long as the session
 * that set it, and is gone for everyone when that session ends, with a goodbye or without one (then once the transport's
 * heartbeat timeout drops the connection).
 *
 * <pre>{@code
 * Scriber.Builder b = Scriber.builder().clientId("laptop")...;
 * Presence presence = Presence.install(b);
 * Scriber scriber = b.build();
 * presence.bind(scriber);
 * presence.listen(p -> ui.show(p.client(), p.state()));     // others joining, changing, leaving (state null)
 * presence.set("Note", "n1", Json.object().put("cursor", 12));   // mine, about one object (set(state): none)
 * }</pre>
 *
 * <p>On a server, a session's state is relayed to the other sessions that may see its object (the class's
 * recipients rule, as for scribes; a state about no object goes to every session), at most once per throttle
 * interval per session (the latest state wins), and a session joining is sent the states it may see. A client keeps
 * the states its server relays. See {@code docs/PROTOCOL.md}.
 *
 * <p>Thread-safe.
 */
public final class Presence implements AutoCloseable {

    /** The message type. */
    public static final String TYPE = "presence";
    /** The largest state accepted, encoded. */
    public static final int MAX_STATE_BYTES = 16 * 1024;

    private static final Logger log = LoggerFactory.getLogger(Presence.class);

    /**
     * One session's presence as this peer knows it.
     *
     * @param client the client the session belongs to
     * @param session a name of the session, distinct among the client's sessions
     * @param klass the class of the object it is about, or null
     * @param id the id of that object, or null
     * @param state its state, or null when it left
     */
    public record Peer(String client, String session, String klass, String id, JsonNode state) {}

    private final Duration throttle;
    private final List<Consumer<Peer>> listeners = new CopyOnWriteArrayList<>();
    // What this peer knows of others: relayed by its server, or set by its own sessions' peers. Key: client + session.
    private final Map<String, Peer> others = new ConcurrentHashMap<>();
    // The session each of those came through, so that they go when it ends.
    private final Map<String, Session> via = new ConcurrentHashMap<>();
    // Guarded by this.
    private final Map<Session, Entry> sessions = new IdentityHashMap<>();
    private volatile Scriber scriber;
    private volatile ObjectNode mine;
    private volatile ScheduledFuture<?> sweeper;
    private long names;
    // The newest relayed state seen per client + session (a state sent on join can arrive after a newer update).
    private final Map<String, Long> newest = new ConcurrentHashMap<>();

    /** A session this peer serves: its latest state and when it was last relayed. Guarded by the Presence. */
    private static final class Entry {
        String name;
        ObjectNode state;
        ObjectNode pending;
        long lastRelay;
        boolean scheduled;
        /** Numbers the session's states as relayed, so receivers drop one that overtook a newer one. */
        long seq;
        /** Whether the session was sent the states it may see (it may have set its own before the sweep saw it). */
        boolean greeted;
    }

    private Presence(Duration throttle) {
        this.throttle = throttle;
    }

    /** Registers the {@code presence} message on {@code builder}, with a 50 ms throttle; call {@link #bind} next. */
    public static Presence install(Scriber.Builder builder) {
        return install(builder, Duration.ofMillis(50));
    }

    /** Registers the {@code presence} message, relaying each session's state at most once per {@code throttle}. */
    public static Presence install(Scriber.Builder builder, Duration throttle) {
        Objects.requireNonNull(throttle, "throttle");
        if (throttle.isNegative()) {
            throw new IllegalArgumentException("throttle must not be negative: " + throttle);
        }
        Presence presence = new Presence(throttle);
        builder.handle(TYPE, presence::receive);
        return presence;
    }

    /**
     * Attaches the built Scriber: from now on sessions that end are noticed (every 100 ms) and joining sessions are
     * sent the states they may see.
     *
     * @throws IllegalStateException if already bound
     */
    public synchronized Presence bind(Scriber built) {
        Objects.requireNonNull(built, "built");
        if (scriber != null) {
            throw new IllegalStateException("already bound to " + scriber.id());
        }
        scriber = built;
        sweeper = built.timer.scheduleWithFixedDelay(this::sweep, 100, 100, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Told of every change of another session's presence (state null: it left), on a transport or timer thread. */
    public void listen(Consumer<Peer> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** The presence of the other sessions this peer knows of now. */
    public List<Peer> others() {
        return List.copyOf(others.values());
    }

    /** Sets this peer's state about no particular object and sends it to its sessions' peers; null leaves. */
    public void set(JsonNode state) {
        send(null, null, state);
    }

    /**
     * Sets this peer's state about the object {@code id} of the synced class {@code klass} (its name on the wire) and
     * sends it to the peers that may see that object; null leaves.
     *
     * @throws IllegalArgumentException if {@code klass} is not registered
     */
    public void set(String klass, String id, JsonNode state) {
        Objects.requireNonNull(klass, "klass");
        Objects.requireNonNull(id, "id");
        if (bound().classes.byKlass(klass) == null) {
            throw new IllegalArgumentException("not a registered synced class: " + klass);
        }
        send(klass, id, state);
    }

    private void send(String klass, String id, JsonNode state) {
        Scriber s = bound();
        ObjectNode message = message(s.id(), "self", klass, id, state);
        mine = state == null ? null : message;
        for (Session session : s.sessions()) {
            if (session.isOpen() && mayRelay(s, message, session)) {
                session.send(message.deepCopy());
            }
        }
    }

    private Scriber bound() {
        Scriber s = scriber;
        if (s == null) {
            throw new IllegalStateException("call bind(scriber) first");
        }
        return s;
    }

    /** The {@code presence} message from a session's peer. */
    private JsonNode receive(Session from, JsonNode message) {
        Scriber s = bound();
        PresenceMessages.Read read = PresenceMessages.read(message);
        JsonNode state = read.state();
        String klass = read.klass();
        String id = read.id();
        if (message.hasNonNull("client") && from.isTrustedRelay()) {
            // Relayed by our server: another session's presence.
            Peer peer = new Peer(message.get("client").asText(), message.path("session").asText(""), klass, id,
                    state.isNull() ? null : state);
            String key = peer.client() + "\n" + peer.session();
            long seq = message.path("seq").asLong(0);
            if (seq > 0 && newest.merge(key, seq, Math::max) != seq) {
                // Older than a state already seen: the newer one stands.
                return message.has("id") ? Json.NODES.booleanNode(true) : null;
            }
            if (peer.state() == null) {
                others.remove(key);
                via.remove(key);
            } else {
                others.put(key, peer);
                via.put(key, from);
            }
            tell(peer);
            return message.has("id") ? Json.NODES.booleanNode(true) : null;
        }
        // The session's own presence: kept while it is open, relayed (throttled) to those who may see it.
        ObjectNode relayed;
        synchronized (this) {
            Entry e = sessions.computeIfAbsent(from, k -> newEntry());
            relayed = message(from.client().id(), e.name, klass, id, state.isNull() ? null : state);
            relayed.put("seq", ++e.seq);
            e.state = state.isNull() ? null : relayed;
            long now = System.nanoTime();
            long gap = throttle.toNanos() - (now - e.lastRelay);
            if (e.lastRelay != 0 && gap > 0) {
                e.pending = relayed;
                if (!e.scheduled) {
                    e.scheduled = true;
                    s.timer.schedule(() -> flush(from), gap, TimeUnit.NANOSECONDS);
                }
                relayed = null;
            } else {
                e.lastRelay = now;
            }
        }
        Peer peer = new Peer(from.client().id(), sessionName(from), klass, id, state.isNull() ? null : state);
        String key = peer.client() + "\n" + peer.session();
        if (peer.state() == null) {
            others.remove(key);
        } else {
            others.put(key, peer);
        }
        if (relayed != null) {
            relay(s, relayed, from);
            tell(peer);
        }
        return message.has("id") ? Json.NODES.booleanNode(true) : null;
    }

    private Entry newEntry() {
        Entry e = new Entry();
        e.name = "s" + (++names);
        return e;
    }

    private synchronized String sessionName(Session session) {
        return sessions.computeIfAbsent(session, k -> newEntry()).name;
    }

    /** Sends the latest state a throttled session set. */
    private void flush(Session from) {
        ObjectNode pending;
        synchronized (this) {
            Entry e = sessions.get(from);
            if (e == null) {
                return;
            }
            e.scheduled = false;
            pending = e.pending;
            e.pending = null;
            e.lastRelay = System.nanoTime();
        }
        if (pending != null && from.isOpen()) {
            relay(scriber, pending, from);
            tell(toPeer(pending));
        }
    }

    private void relay(Scriber s, ObjectNode message, Session from) {
        for (Session session : s.sessions()) {
            if (session != from && session.isOpen() && mayRelay(s, message, session)) {
                session.send(message.deepCopy());
            }
        }
    }

    /** Notices sessions that ended (their state is dropped and its end relayed) and sessions that joined. */
    private void sweep() {
        Scriber s = scriber;
        try {
            List<ObjectNode> gone = new ArrayList<>();
            List<Session> joined = new ArrayList<>();
            List<ObjectNode> states = new ArrayList<>();
            List<Session> owners = new ArrayList<>();
            synchronized (this) {
                for (Session session : s.sessions()) {
                    if (session.isOpen() && !sessions.containsKey(session)) {
                        sessions.put(session, newEntry());
                    }
                }
                for (var it = sessions.entrySet().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    Entry entry = e.getValue();
                    if (!e.getKey().isOpen()) {
                        it.remove();
                        if (entry.state != null) {
                            ObjectNode end = entry.state.deepCopy();
                            end.putNull("state");
                            end.put("seq", ++entry.seq);
                            gone.add(end);
                        }
                        continue;
                    }
                    if (entry.state != null) {
                        states.add(entry.state);
                        owners.add(e.getKey());
                    }
                    if (!entry.greeted) {
                        // New, or known only from a presence it sent before this sweep: it was sent nothing yet.
                        entry.greeted = true;
                        joined.add(e.getKey());
                    }
                }
            }
            for (Map.Entry<String, Session> e : via.entrySet()) {
                if (!e.getValue().isOpen() && via.remove(e.getKey(), e.getValue())) {
                    newest.remove(e.getKey());
                    Peer left = others.remove(e.getKey());
                    if (left != null) {
                        tell(new Peer(left.client(), left.session(), left.klass(), left.id(), null));
                    }
                }
            }
            for (ObjectNode end : gone) {
                Peer peer = toPeer(end);
                others.remove(peer.client() + "\n" + peer.session());
                relay(s, end, null);
                tell(peer);
            }
            ObjectNode own = mine;
            if (own != null) {
                states.add(own);
                owners.add(null);
            }
            for (Session session : joined) {
                for (int i = 0; i < states.size(); i++) {
                    ObjectNode state = states.get(i);
                    if (owners.get(i) != session && mayRelay(s, state, session)) {
                        session.send(state.deepCopy());
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("presence sweep failed", e);
        }
    }

    private void tell(Peer peer) {
        for (Consumer<Peer> l : listeners) {
            try {
                l.accept(peer);
            } catch (RuntimeException e) {
                log.warn("presence listener failed", e);
            }
        }
    }

    /** Stops noticing sessions; states already sent stay with their receivers until their sessions end. */
    @Override
    public void close() {
        ScheduledFuture<?> f = sweeper;
        if (f != null) {
            f.cancel(false);
        }
    }
}
