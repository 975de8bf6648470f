package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.LogPosition;
import io.scribe.core.internal.StoredScribes;
import java.util.ArrayList;
import java.util.List;

/**
 * One answer to a peer's {@code sync} on the Scribe wire: a page of this peer's log after the asker's cursor, holding
 * the scribes the asker may see, bounded by the page size, by a cap on the scribes examined and by the frame; and, at
 * the end of the log, the start of the session's pushes. Made for one request on the thread that reads the session.
 */
final class PageAnswer {

    private final Session session;
    private final Scriber scriber;

    PageAnswer(Session session) {
        this.session = session;
        this.scriber = session.scriber();
    }

    /**
     * Answers {@code sync} on the Scribe wire. The log is read without the engine's lock (a store read may be a
     * network round trip; the log below its end never changes), and the lock is taken only to decide which scribes
     * the asker may see, and at the end of the log: there, what was appended meanwhile is read under the lock, the
     * answer is queued and pushing starts in the same step, so no scribe falls between the page and the pushes.
     */
    void answer(JsonNode id, JsonNode message) {
        JsonNode from = message.get("from");
        JsonNode limitNode = message.get("limit");
        int pageSize = Math.max(scriber.pageSize, 1);
        int limit = limitNode != null && limitNode.canConvertToInt() && limitNode.asInt() > 0
                ? Math.min(limitNode.asInt(), pageSize) : pageSize;
        ObjectNode response = Json.object().put("type", "response");
        if (id != null) {
            response.set("id", id);
        }
        if (session.pusher.acksCumulative()) {
            // The asker may hold its acks back until half of this many pushes are played (Builder#ackDelay).
            response.put("window", scriber.pushWindow);
            if (scriber.receiverAckDelay != null) {
                // ... and for at most this long (Builder#receiverAckDelay) instead of its own ackDelay.
                response.put("ackDelay", scriber.receiverAckDelay.toMillis());
            }
        }
        JsonNode log = message.get("log");
        boolean otherLog = log != null && !log.asText().equals(scriber.logId);
        if (otherLog) {
            // Another node sharing a new store may have named its log last (see LogIdentity#load): the store's name.
            scriber.logId = LogIdentity.load(scriber.store);
            otherLog = !log.asText().equals(scriber.logId);
        }
        response.put("log", scriber.logId);
        boolean relayed = message.path("relayed").asBoolean(true);
        Snapshot.Position snapshot = from != null && from.isTextual() ? Snapshot.Position.parse(from.asText()) : null;
        long after = snapshot != null ? 0 : parseCursor(scriber, from);
        boolean fromStart = snapshot == null && after == 0;
        LogPosition stated = after > 0 ? LogPosition.read(message.get("at"), Long.toString(after), "sync: ") : null;
        if (!otherLog && stated != null && stated.heldElsewhere(scriber.store)) {
            // The asker read another scribe at this position: this log is not the one it read (a store restored from
            // an earlier copy issued the positions after the copy again).
            otherLog = true;
        }
        if (snapshot == null && after < 0 || !fromStart && otherLog) {
            // A position in another log (this peer's store was lost or replaced since the asker stored it), or one
            // this log never issued: taken as no position. A peer relaying through this one gets what this one
            // holds (a snapshot, which also has it forget what this one no longer holds); one that does not (a
            // server asking its client, for that client's own scribes) gets this log from its start.
            if (relayed) {
                snapshot = new Snapshot.Position(-1, null);
            } else {
                snapshot = null;
                after = 0;
            }
        }
        // An asker reading from the start that asks for a snapshot (one whose position was in a log this peer no
        // longer has, told so another way: an HTTP pull answered 409) is answered one, as for that position here.
        if (fromStart && relayed && (message.path("snapshot").asBoolean(false) || snapshotBeatsLog())) {
            snapshot = new Snapshot.Position(-1, null);
        }
        if (snapshot != null) {
            answerSnapshot(response, snapshot, limit);
            return;
        }
        session.client().acknowledged.reset(after);
        // A page fits one frame with its envelope, counted exactly in UTF-8 bytes: any scribe that fits a frame on
        // its own is sent. Each scribe is encoded once, and the answer put together from those bytes.
        response.put("more", false).put("cursor", Long.toString(Long.MAX_VALUE));
        // An asker reading this log from its start may not hold its own scribes in it (it lost its store and is back
        // under its name): when it asks for them, on each page, they are sent too, which changes nothing on a peer
        // that holds them.
        boolean own = relayed && message.path("own").asBoolean(false);
        LogPage page = new LogPage(session, after, limit, session.outbox.frameLimit()
                - (long) Json.bytes(response).length - LogPage.RESULT_KEY.length - 2, relayed, own);
        response.remove("more");
        response.remove("cursor");
        int chunk = Math.min(limit, 500);
        while (!page.full) {
            StoredScribes.Outlined read = StoredScribes.outlines(scriber.store.readStoredAfter(page.position, chunk));
            List<Scribe> visible;
            scriber.lock.lock();
            try {
                visible = page.take(read);
            } finally {
                scriber.lock.unlock();
            }
            page.add(visible);
            if (read.stored().size() < chunk) {
                break;
            }
        }
        if (after < scriber.compactor.mark().position()) {
            // History the asker needs was compacted away (read after the page: the mark is stored before anything
            // is removed, so a page read before it was whole): it gets a snapshot instead.
            answerSnapshot(response, new Snapshot.Position(-1, null), limit);
            return;
        }
        if (page.full) {
            response.put("more", true);
            page.putCursor(response);
            page.enqueue(response);
            return;
        }
        scriber.lock.lock();
        try {
            // What was appended since the last read, under the lock: no commit can come in between.
            while (!page.full) {
                StoredScribes.Outlined read = StoredScribes.outlines(scriber.store.readStoredAfter(page.position, 500));
                page.add(page.take(read));
                if (read.stored().size() < 500) {
                    break;
                }
            }
            response.put("more", page.full);
            page.putCursor(response);
            page.enqueue(response);
            if (!page.full) {
                // From here on, new scribes are pushed: they are appended after the page just read.
                session.startPushing();
                if (page.position > after) {
                    // The peer stores no cursor in this log past the last page: its answer to this noop says it
                    // has played the page (it handles messages in order), which is what pending() counts on.
                    long upTo = page.position;
                    session.enqueueRequest(Json.object().put("type", "noop"))
                            .thenAccept(r -> session.client().acknowledged.advance(upTo));
                }
            }
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * Answers with a page of a snapshot (see {@link Snapshot}): the objects after {@code at} in key order that the
     * asker may see, each as its create and updates, within the page size and the frame. A new snapshot
     * ({@code at.log() < 0}) is taken at the position this node has played up to. The page's cursor names the next
     * object, or, after the last one, the log position the snapshot was taken at. The answer's {@code snapshot} member
     * says where in the snapshot it is ({@code start}, {@code end}), the newest clock compacted ({@code horizon}) and, on
     * the first page, this peer's cursor in the asker's log ({@code stored}).
     */
    private void answerSnapshot(ObjectNode response, Snapshot.Position at, int limit) {
        long horizon = scriber.compactor.mark().horizon();
        ArrayNode result = response.putArray("result");
        response.put("more", true);
        // Measured with the longer values ("false"), so the page never outgrows the frame when they are set.
        ObjectNode about = response.putObject("snapshot").put("horizon", horizon).put("start", false).put("end", false);
        if (at.log() < 0) {
            // How far this peer has stored the asker's own log: the asker's creates up to there are here (or were
            // destroyed here), the later ones still on their way.
            about.put("stored", scriber.store.cursor(session.client().id()).orElse(""));
        }
        long envelope = Json.bytes(response).length + ",\"cursor\":\"\"".length();
        long budget = session.outbox.frameLimit() - envelope;
        String clientId = session.client().id();
        io.scribe.core.spi.Stamp fallback = new io.scribe.core.spi.Stamp(0, scriber.guid);
        // What the scribe at the position the asker goes on from is, read before the lock: stated on the last page
        // if the position is still this one then.
        Scribe held = LogPosition.heldAt(scriber.store, at.log() >= 0 ? at.log() : scriber.sharedLog.seenThrough());
        LogPosition endAt = held == null ? null : LogPosition.of(held);
        scriber.lock.lock();
        try {
            boolean start = at.log() < 0;
            long position = start ? scriber.sharedLog.seenThrough() : at.log();
            Key after = at.after();
            if (position > scriber.sharedLog.seenThrough()) {
                // A cursor naming a position this node has not reached (or never issued): a new snapshot.
                position = scriber.sharedLog.seenThrough();
                start = true;
                after = null;
            }
            List<Key> keys = scriber.compactor.snapshotKeys(position);
            long bytes = 0;
            int objects = 0;
            long examined = 0;
            long examineCap = Math.max(limit, 1) * 20L;
            Key last = after;
            // Set when the page ends inside the last object's scribes: the stamp of the last of them sent.
            io.scribe.core.spi.Stamp lastPart = null;
            boolean full = false;
            int first = Snapshot.indexAfter(keys, after);
            // The object the page before ended inside of comes first, with its updates stamped after that part.
            io.scribe.core.spi.Stamp resume = start ? null : at.part();
            if (resume != null && first > 0 && keys.get(first - 1).equals(after)) {
                first--;
            }
            for (int i = first; i < keys.size(); i++) {
                if (objects >= limit || examined >= examineCap) {
                    full = true;
                    break;
                }
                examined++;
                Key key = keys.get(i);
                io.scribe.core.spi.Stamp from = key.equals(after) ? resume : null;
                long cursorBytes = new Snapshot.Position(position, key).cursor().length();
                if (bytes + cursorBytes > budget) {
                    // Even passing this key would make the page's cursor outgrow the frame.
                    full = true;
                    break;
                }
                io.scribe.core.spi.ObjectState state = scriber.live.states.get(key);
                SyncedClass<?> c = scriber.classes.byKlass(key.klass());
                List<Scribe> scribes = state == null || c == null ? List.of()
                        : state.destroyed() ? List.of(Snapshot.destroyOf(c, state))
                        : Snapshot.scribesOf(c, state, fallback);
                if (scribes.isEmpty() || !scriber.relay.visibleTo(scribes.get(0), clientId, true)) {
                    last = key;
                    continue;
                }
                if (from != null) {
                    scribes = Snapshot.stampedAfter(scribes, from);
                }
                List<ObjectNode> encoded = new ArrayList<>(scribes.size());
                long[] sizes = new long[scribes.size()];
                long size = 0;
                for (int j = 0; j < scribes.size(); j++) {
                    ObjectNode json = Json.toJson(scribes.get(j));
                    encoded.add(json);
                    sizes[j] = Json.bytes(json).length + 1;
                    size += sizes[j];
                }
                if (bytes + size + cursorBytes <= budget) {
                    encoded.forEach(result::add);
                    bytes += size;
                    objects++;
                    last = key;
                    continue;
                }
                if (bytes > 0) {
                    // Begun on the next page, which it may fit whole.
                    full = true;
                    break;
                }
                // More than a page holds: as many of its scribes as fit, and the rest from the next page on.
                int taken = 0;
                long partBytes = 0;
                while (taken < scribes.size()) {
                    Scribe s = scribes.get(taken);
                    long partCursor = new Snapshot.Position(position, key, Snapshot.stampOf(s)).cursor().length();
                    if (partBytes + sizes[taken] + partCursor > budget) {
                        break;
                    }
                    partBytes += sizes[taken];
                    taken++;
                }
                if (taken == 0) {
                    scriber.report(new ScribeException(ScribeException.TOO_LARGE, "object " + key + ": a scribe of "
                            + sizes[0] + " bytes cannot be sent to " + clientId + " in a snapshot; skipped"));
                    last = key;
                    continue;
                }
                for (int j = 0; j < taken; j++) {
                    result.add(encoded.get(j));
                }
                Scribe lastSent = scribes.get(taken - 1);
                last = key;
                lastPart = Snapshot.stampOf(lastSent);
                full = true;
                break;
            }
            ObjectNode info = (ObjectNode) response.get("snapshot");
            info.put("start", start).put("end", !full);
            if (full) {
                response.put("cursor", new Snapshot.Position(position, last, lastPart).cursor());
            } else {
                // The asker goes on in the log from where the snapshot was taken.
                response.put("cursor", Long.toString(position));
                if (endAt != null && endAt.position().equals(Long.toString(position))
                        && bytes + LogPage.AT_KEY + Json.bytes(endAt.json()).length <= budget) {
                    response.set("at", endAt.json());
                }
            }
            session.enqueue(response);
        } finally {
            scriber.lock.unlock();
        }
    }

    /** Whether a peer reading the log from its start reads less as a snapshot (see Builder#newPeerSnapshot). */
    private boolean snapshotBeatsLog() {
        if (scriber.newPeerSnapshot <= 0) {
            return false;
        }
        long scribes = scriber.store.lastId() - scriber.compactor.mark().position();
        return scribes >= (long) scriber.newPeerSnapshot * Math.max(1, scriber.live.states.approximateSize());
    }

    /** {@code null} and {@code ""} mean the start of the log; an id this log never issued gives -1. */
    static long parseCursor(Scriber scriber, JsonNode from) {
        if (from == null || from.isNull() || (from.isTextual() && from.asText().isEmpty())) {
            return 0;
        }
        try {
            long value = Long.parseLong(from.asText());
            return value >= 0 && value <= scriber.store.lastId() ? value : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
