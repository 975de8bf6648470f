package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One answer to a Syncro peer's {@code sync}: the log after its cursor in one answer (it cannot page: what does not
 * fit one frame follows at once as pushes), leaving out what such a peer must never be sent (see PROTOCOL.md, "What a
 * Syncro peer is never sent"), with the corrections owed to it, then the start of the session's pushes. Made for one
 * request, under the engine lock.
 */
final class SyncroAnswer {

    private final Session session;
    private final Scriber scriber;
    // The objects a snapshot in this answer sent, or null when it sent none.
    private java.util.Set<Key> snapshotKeys;
    // How far this log was compacted when the answer began (read from the store once).
    private long compacted;
    // The asker is a Scribe peer speaking Syncro's protocol (its sync says "clocked"): it plays a destroy of a record
    // it does not hold as a tombstone, where a Ruby Syncro peer would raise.
    private boolean clocked;

    SyncroAnswer(Session session) {
        this.session = session;
        this.scriber = session.scriber();
    }

    /**
     * Answers {@code sync}. {@code own}: a Syncro peer asks from the start, so it holds nothing of this log; its own
     * earlier scribes are sent back too, since it may have lost them (it restarted empty, or it is not recognised).
     */
    void answer(JsonNode id, JsonNode message, boolean own) {
        clocked = message.path("clocked").asBoolean(false);
        long after = PageAnswer.parseCursor(scriber, message.get("from"));
        session.client().acknowledged.reset(after);
        JsonNode limitNode = message.get("limit");
        // The page size bounds every page, whatever the request asks (none, zero, huge). Syncro peers cannot page:
        // they get one answer, the rest as pushes.
        int limit = session.wire().isSyncro() ? Integer.MAX_VALUE
                : limitNode != null && limitNode.canConvertToInt() && limitNode.asInt() > 0
                        ? Math.min(limitNode.asInt(), Math.max(scriber.pageSize, 1))
                        : Math.max(scriber.pageSize, 1);
        // A page fits one frame with its envelope, counted exactly in UTF-8 bytes: any scribe that fits a frame on
        // its own is sent.
        ObjectNode envelope = Json.object().put("type", "response");
        if (id != null) {
            envelope.set("id", id);
        }
        envelope.putArray("result");
        if (!session.wire().isSyncro()) {
            envelope.put("more", false).put("cursor", Long.toString(Long.MAX_VALUE));
        }
        long budget = session.wire().maxFrameBytes() - (long) Json.bytes(envelope).length;
        List<ObjectNode> sentToSyncro = new ArrayList<>();
        Map<Key, String[]> creates = null;
        // Scribes the asker may not see still cost a read: a page stops after this many, so one request cannot
        // hold the engine's lock for the whole log. Syncro peers cannot page, so they are not capped.
        long examineCap = session.wire().isSyncro() ? Long.MAX_VALUE : Math.max(limit, 1) * 20L;
        compacted = scriber.compactor.mark().position();
        scriber.lock.lock();
        try {
            ArrayNode result = Json.NODES.arrayNode();
            String cursor = null;
            boolean more = false;
            long position = after;
            List<Scribe> snapshotRest = List.of();
            if (after >= 0) {
                long bytes = 0;
                long examined = 0;
                int chunk = (int) Math.min(Math.min(limit, 500), examineCap);
                if (after < compacted) {
                    // History this peer needs was compacted away: it gets every object it may see as a create,
                    // then the log from where they were taken (see Snapshot). It cannot page: what does not fit
                    // follows as pushes.
                    position = scriber.sharedLog.seenThrough();
                    snapshotKeys = new java.util.HashSet<>();
                    List<Scribe> creates0 = snapshotCreates(position, snapshotKeys);
                    int i = 0;
                    for (; i < creates0.size(); i++) {
                        ObjectNode json = session.syncro.outgoing(creates0.get(i));
                        long size = Json.bytes(json).length;
                        long comma = result.isEmpty() ? 0 : 1;
                        if (size > budget) {
                            scriber.report(new ScribeException(ScribeException.TOO_LARGE, "object of " + size
                                    + " bytes cannot be sent to " + session.client().id() + "; skipped"));
                            continue;
                        }
                        if (bytes + comma + size > budget) {
                            break;
                        }
                        bytes += comma + size;
                        result.add(json);
                        sentToSyncro.add(json);
                    }
                    snapshotRest = creates0.subList(i, creates0.size());
                    cursor = Long.toString(position);
                    more = !snapshotRest.isEmpty();
                }
                outer:
                while (!more) {
                    List<Scribe> page = scriber.store.readAfter(position, chunk);
                    for (Scribe s : page) {
                        if (result.size() >= limit || examined >= examineCap) {
                            more = true;
                            break outer;
                        }
                        examined++;
                        boolean send = scriber.relay.visibleTo(s, session.client().id(), own);
                        if (send && session.syncro != null && s.type() == Scribe.Type.CREATE) {
                            // Its own create, relayed back under another name (a connection the hub could not
                            // recognise): it has the record, or destroyed it, and would bring it back.
                            SyncedClass<?> c = scriber.classes.byKlass(s.klass());
                            send = c == null || !session.syncro.created.contains(IdentityMap.keyOfScribe(c, s));
                        }
                        if (send && session.syncro != null && s.type() == Scribe.Type.DESTROY) {
                            if (creates == null) {
                                creates = createsInLog();
                            }
                            send = peerHad(s, after, creates);
                        }
                        if (send) {
                            ObjectNode json = session.syncro != null ? session.syncro.outgoing(s) : Json.toJson(s);
                            long size = Json.bytes(json).length;
                            long comma = result.isEmpty() ? 0 : 1;
                            if (size > budget) {
                                // It can never be sent: skip it, or every catch-up would stop here.
                                scriber.report(new ScribeException(ScribeException.TOO_LARGE, "scribe " + s.id()
                                        + " of " + size + " bytes cannot be sent to " + session.client().id()
                                        + "; skipped"));
                            } else if (bytes + comma + size > budget) {
                                more = true;
                                break outer;
                            } else {
                                bytes += comma + size;
                                result.add(json);
                                if (session.syncro != null) {
                                    sentToSyncro.add(json);
                                }
                            }
                        }
                        position = Long.parseLong(s.id());
                        cursor = s.id();
                    }
                    if (page.size() < chunk) {
                        break;
                    }
                }
            }
            ObjectNode response = Json.object().put("type", "response");
            if (id != null) {
                response.set("id", id);
            }
            if (session.syncro != null && !result.isEmpty() && cursor != null && !more) {
                // Syncro takes the id of the last scribe of the answer as its cursor: scribes left out after it
                // (hidden, or not for this peer) are passed too, or a destroy left out now would be sent next time
                // to a peer that never got the create.
                ((ObjectNode) result.get(result.size() - 1)).put("id", cursor);
            }
            response.set("result", result);
            if (!session.wire().isSyncro()) {
                response.put("more", more);
                if (cursor != null) {
                    response.put("cursor", cursor);
                }
            }
            session.enqueue(response);
            if (session.syncro != null && !result.isEmpty()) {
                // Syncro takes the answer's last id as its cursor: corrections sent from here on must carry it, or
                // they would move the peer's cursor back before this answer (its next catch-up would then replay
                // creates whose destroys it can no longer be sent).
                session.syncro.cursor = result.get(result.size() - 1).path("id").asText(session.syncro.cursor);
            }
            if (session.syncro != null && !session.syncro.waiting.isEmpty()) {
                List<ObjectNode> waiting = new ArrayList<>(session.syncro.waiting);
                session.syncro.waiting.clear();
                session.intake.correct(waiting);
            }
            if (session.syncro != null) {
                // Corrections a closed session could not deliver, with the values held here now; a peer that asks
                // from the start holds nothing of this log, so it is owed nothing.
                Map<Key, java.util.Set<String>> owed = session.client().takeOwed();
                if (!own) {
                    session.intake.correct(session.syncro.owed(owed, new Txn()));
                }
            }
            if (!sentToSyncro.isEmpty()) {
                // The answer to this request proves the peer played the page (it handles messages in order).
                ObjectNode noop = Json.object().put("type", "noop");
                session.enqueueRequest(noop);
                int tag = noop.path("id").asInt();
                sentToSyncro.forEach(json -> session.syncro.sent(json, tag));
            }
            if (more && session.wire().isSyncro()) {
                // A Syncro peer takes the first answer as the whole rest of the log: what did not fit follows at
                // once as pushes, in log order.
                snapshotRest.forEach(session.pusher::push);
                pushRest(position, after, creates, own);
                more = false;
            }
            if (!more) {
                // From here on, new scribes are pushed: they are appended after the page just read.
                session.startPushing();
                if (!session.wire().isSyncro() && position > after) {
                    // The peer stores no cursor in this log past the last page: its answer to this noop says it
                    // has played the page (it handles messages in order), which is what pending() counts on.
                    long upTo = position;
                    session.enqueueRequest(Json.object().put("type", "noop"))
                            .thenAccept(r -> session.client().acknowledged.advance(upTo));
                }
            }
        } finally {
            scriber.lock.unlock();
        }
    }

    /** The create of every object in the log: its id and origin. Caller holds the engine lock. */
    private Map<Key, String[]> createsInLog() {
        Map<Key, String[]> creates = new java.util.HashMap<>();
        long position = 0;
        while (true) {
            List<Scribe> page = scriber.store.readAfter(position, 500);
            for (Scribe s : page) {
                SyncedClass<?> c = scriber.classes.byKlass(s.klass());
                if (c != null && s.type() == Scribe.Type.CREATE) {
                    creates.putIfAbsent(IdentityMap.keyOfScribe(c, s), new String[] {s.id(), s.origin()});
                }
                position = Long.parseLong(s.id());
            }
            if (page.size() < 500) {
                return creates;
            }
        }
    }

    /**
     * Whether a Syncro peer holds the object a destroy is about, so that it can play the destroy (it raises on an
     * unknown record): the peer did not destroy it itself, and it created it, or was sent its create before the
     * position it asked from. A Scribe peer speaking Syncro's protocol ({@link #clocked}) is sent every destroy it
     * did not make itself: it raises on none, and one that asks from the start (a hub that did not recognise this
     * peer, whose log it reads again) may hold records this peer got from it, which no create here tells.
     */
    private boolean peerHad(Scribe destroy, long after, Map<Key, String[]> creates) {
        SyncedClass<?> c = scriber.classes.byKlass(destroy.klass());
        if (c == null) {
            return false;
        }
        Key key = IdentityMap.keyOfScribe(c, destroy);
        if (!session.syncro.mayHold(key)) {
            return false;
        }
        if (clocked) {
            return true;
        }
        if (session.syncro.created.contains(key) || (snapshotKeys != null && snapshotKeys.contains(key))) {
            return true;
        }
        String[] create = creates.get(key);
        if (create == null && compactedBefore(after)) {
            // Its create may have been compacted away (it was then at or before the position asked from, so the peer
            // had it): the tombstone keeps the stamp of the create of an object that existed here.
            io.scribe.core.spi.ObjectState state = scriber.live.state(key);
            return state != null && state.stamps().containsKey(c.idField.name());
        }
        // Its own creates after the position it asked from are not sent back, but it has them (unless it asked from
        // the start: then it holds nothing it did not tell in its history).
        return create != null && (Long.parseLong(create[0]) <= after
                || (after > 0 && session.client().id().equals(create[1])));
    }

    /** Whether some of the log up to {@code after} was compacted. */
    private boolean compactedBefore(long after) {
        return compacted > 0 && after >= compacted;
    }

    /**
     * A create for every live object this peer may see, with the ids the peer keeps as its cursor set to the
     * position they were taken at; their keys go to {@code keys}. Caller holds the engine lock.
     */
    private List<Scribe> snapshotCreates(long position, java.util.Set<Key> keys) {
        List<Scribe> creates = new ArrayList<>();
        io.scribe.core.spi.Stamp fallback = new io.scribe.core.spi.Stamp(0, scriber.guid);
        for (Key key : Snapshot.keys(scriber, false)) {
            SyncedClass<?> c = scriber.classes.byKlass(key.klass());
            io.scribe.core.spi.ObjectState state = scriber.live.states.get(key);
            Scribe create = Snapshot.createOf(c, state, fallback).withId(Long.toString(position));
            if (scriber.relay.visibleTo(create, session.client().id(), true)) {
                if (clocked) {
                    // A Scribe peer merges by stamps: a create carrying every field under the stamp of the object's
                    // identity would be older than its own later values, and would lose to them (or, if it created
                    // the object, come back to it as a refused create). It gets the create and an update per stamp,
                    // as a snapshot on the Scribe wire (see Snapshot#scribesOf).
                    for (Scribe s : Snapshot.scribesOf(c, state, fallback)) {
                        creates.add(s.withId(Long.toString(position)));
                    }
                } else {
                    creates.add(create);
                }
                keys.add(key);
            }
        }
        return creates;
    }

    /** Pushes every scribe after {@code position} this peer may see. Caller holds the engine lock. */
    private void pushRest(long position, long after, Map<Key, String[]> creates, boolean own) {
        while (true) {
            List<Scribe> page = scriber.store.readAfter(position, 500);
            for (Scribe s : page) {
                if (scriber.relay.visibleTo(s, session.client().id(), own)) {
                    if (s.type() == Scribe.Type.DESTROY) {
                        if (creates == null) {
                            creates = createsInLog();
                        }
                        if (!peerHad(s, after, creates)) {
                            position = Long.parseLong(s.id());
                            continue;
                        }
                    }
                    session.pusher.push(s);
                }
                position = Long.parseLong(s.id());
            }
            if (page.size() < 500) {
                return;
            }
        }
    }
}
