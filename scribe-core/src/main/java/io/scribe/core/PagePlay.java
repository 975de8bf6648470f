package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.LogPosition;
import io.scribe.core.internal.SyncPage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The playing of one session's catch-up pages: each page's scribes played under the engine lock and stored with the
 * new cursor in one commit, one scribe per commit when the store refuses the page (a scribe the store cannot keep is
 * recorded as failed and passed), a snapshot's end stored with the forgetting of what it no longer carries, and the
 * peer's own writes it refused told to it once stored. {@link CatchUp} asks for the pages.
 */
final class PagePlay {

    private final Session session;
    private final Scriber scriber;
    /** The peer's own writes refused in the page being played. Guarded by the engine lock. */
    private final List<Map.Entry<Scribe, ScribeException>> refusedInPage = new ArrayList<>();
    /** A snapshot the peer is sending (see {@link SnapshotReceiver}). */
    private final SnapshotReceiver snapshots;

    PagePlay(Session session) {
        this.session = session;
        this.scriber = session.scriber();
        this.snapshots = new SnapshotReceiver(session);
    }

    /**
     * Plays one catch-up page and stores it with the new cursor, atomically. Returns the new cursor. When the store
     * refuses the page, it is played again one scribe at a time, so that one scribe the store cannot keep is skipped
     * (see {@link #playOneByOne}) instead of stopping every later catch-up at the same page.
     */
    String play(String from, SyncPage page, boolean own) {
        List<?> result = result(page);
        JsonNode response = page.message();
        JsonNode snapshot = response.get("snapshot");
        // Only a snapshot from the peer this one relays through (its server, marked by Session.trustAsRelay) can tell
        // it what was destroyed there: another peer's snapshot (a client's, another server node's trusted by a rule)
        // holds what that peer has, not what exists.
        if (snapshot != null && snapshot.isObject() && snapshot.path("start").asBoolean(false)
                && session.client().acknowledged.isUpstream()) {
            snapshots.start(Acknowledged.parse(snapshot.path("stored").asText("")));
        }
        String cursor;
        boolean more = response.path("more").asBoolean(false);
        List<Scribe> clockless = new ArrayList<>();
        List<Scribe> clocked = new ArrayList<>();
        scriber.lock.lock();
        try {
            if (snapshot != null && snapshot.isObject() && snapshots.receiving()) {
                snapshots.noteCarried(result);
            }
            refusedInPage.clear();
            JsonNode window = response.get("window");
            if (window != null && window.canConvertToInt() && window.asInt() > 0) {
                session.intake.peerWindow(window.asInt(), response.get("ackDelay"));
            }
            JsonNode log = response.get("log");
            if (log != null && log.isTextual()) {
                // The cursors stored from here on are positions in this log.
                session.client().log = log.asText();
            }
            Txn tx = new Txn();
            tx.history = session.syncro != null && (from == null || from.isEmpty());
            cursor = playInto(result, from, tx, clockless, clocked, page.dataBound());
            JsonNode explicit = response.get("cursor");
            if (explicit != null && !explicit.isNull()) {
                cursor = explicit.asText();
            }
            List<ObjectNode> fixes = clockless.isEmpty() ? List.of() : session.syncro.played(clockless, tx, true);
            if (!clocked.isEmpty()) {
                fixes = new ArrayList<>(fixes);
                fixes.addAll(session.syncro.destroysFor(clocked, tx));
            }
            // A cursor the answer states in a log other than the stored one's is stored even where it equals the old
            // one, with that log: a position of the new log.
            boolean newLog = explicit != null && !explicit.isNull() && session.client().log != null
                    && !session.client().log.equals(session.client().storedLog());
            // Likewise a cursor equal to the old one whose scribe is stated to be another (a log restored from a copy
            // that has grown back to exactly this position): stored with it, or each catch-up would start again.
            LogPosition at = statedAt(response, explicit, cursor);
            boolean newAt = at != null && at.position().equals(from) && !at.equals(session.pages.startAt());
            if (cursor != null && (!cursor.equals(from) || newLog || newAt) && !Snapshot.isCursor(cursor)) {
                if (session.syncro != null && (!fixes.isEmpty() || session.syncro.correcting > 0)) {
                    // Held back until the peer answered the corrections: if they are lost, the page is read again.
                    session.syncro.heldCursor = cursor;
                } else {
                    tx.cursor(session.client(), cursor, at);
                    markOwn(tx, own, more);
                }
            }
            // At the end of a whole snapshot, what it no longer carries goes in the same commit as its last page and
            // the cursor past it: a stop in between replays the snapshot rather than skip the forgetting.
            boolean snapshotEnds = snapshot != null && snapshot.isObject() && snapshot.path("end").asBoolean(false)
                    && snapshots.receiving();
            List<io.scribe.core.spi.ObjectState> forgotten = snapshotEnds ? snapshots.forgetDropped(tx) : List.of();
            try {
                scriber.commit(tx);
            } catch (RuntimeException e) {
                if (result.size() == 0) {
                    throw e;
                }
                refusedInPage.clear();
                cursor = playOneByOne(from, result, response, e, own, more);
                fixes = List.of();
                if (snapshotEnds) {
                    // The page went in one scribe at a time: the forgetting follows in a commit of its own.
                    Txn again = new Txn();
                    forgotten = snapshots.forgetDropped(again);
                    scriber.commit(again);
                }
            }
            if (snapshotEnds) {
                snapshots.ended();
            }
            session.intake.correct(fixes);
            if (!forgotten.isEmpty()) {
                snapshots.forgetStates(forgotten);
            }
            // Told once the page is stored, with the states it left.
            refusedInPage.forEach(r -> session.intake.tellRefused(r.getKey(), r.getValue(), false));
            refusedInPage.clear();
        } finally {
            scriber.lock.unlock();
        }
        scriber.flush();
        return cursor;
    }

    /**
     * The scribes of a page, each a {@link Scribe} read from the frame or, for an answer parsed as a tree, a node of its
     * {@code result}, read as it is played (see {@link #playInto}).
     */
    private static List<?> result(SyncPage page) {
        if (page.scribes() != null) {
            return page.scribes();
        }
        JsonNode result = page.message().path("result");
        if (!result.isArray()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "sync response without a result array");
        }
        List<JsonNode> nodes = new ArrayList<>(result.size());
        result.forEach(nodes::add);
        return nodes;
    }

    /**
     * Plays {@code scribes} into {@code tx}, each a {@link Scribe} or its JSON tree (read here: one that is not a
     * scribe is refused); returns the cursor after them. Refused scribes are reported and passed.
     */
    String playInto(List<?> scribes, String cursor, Txn tx, List<Scribe> clockless) {
        return playInto(scribes, cursor, tx, clockless, null, 0);
    }

    /**
     * {@link #playInto(List, String, Txn, List)}, collecting a Syncro peer's scribes with clocks in {@code clocked},
     * each scribe's data bounded by {@code dataBound} bytes (0: unknown; see {@link SyncPage#dataBound}).
     */
    private String playInto(List<?> scribes, String cursor, Txn tx, List<Scribe> clockless, List<Scribe> clocked,
            long dataBound) {
        for (int i = 0; i < scribes.size(); i++) {
            Object item = scribes.get(i);
            Scribe scribe = null;
            try {
                scribe = session.intake.credited(item instanceof Scribe read ? read : Json.scribe((JsonNode) item));
                session.intake.checkOrigin(scribe);
                Admission.check(scriber, session, scribe, 0, dataBound);
                scriber.player.play(scribe, session.client(), session, tx);
                if (clockless != null && session.syncro != null && scribe.clock() == 0) {
                    clockless.add(scribe);
                } else if (clocked != null && session.syncro != null) {
                    clocked.add(scribe);
                }
            } catch (ScribeException e) {
                // A refused scribe is skipped for good: the page goes on, and the cursor passes it. Not a refusal:
                // an update of an object the page sends whole later on (as a server sends an object again to a peer
                // its policy has just let see it), which the create carries.
                if (e.code() != ScribeException.NOT_FOUND || !Player.createdLater(scriber, scribe, scribes, i)) {
                    scriber.metrics.refused(session.client().id(), e.code());
                    scriber.report(new ScribeException(e.code(),
                            "catch-up from " + session.client().id() + ": " + e.getMessage(), e));
                    if (scribe != null) {
                        refusedInPage.add(Map.entry(scribe, e));
                    }
                }
                String sid = idOf(item);
                if (sid != null) {
                    cursor = sid;
                }
                continue;
            }
            if (scribe.id() != null) {
                cursor = scribe.id();
            }
        }
        return cursor;
    }

    /** The id of a scribe or of its JSON tree, as {@link Json#scribe(JsonNode)} reads it: null when missing or null. */
    private static String idOf(Object item) {
        if (item instanceof Scribe scribe) {
            return scribe.id();
        }
        JsonNode id = ((JsonNode) item).get("id");
        return id == null || id.isNull() ? null : id.asText();
    }

    /**
     * Plays a page the store refused as a whole one scribe per commit. A scribe whose commit fails while the store
     * still takes a write of the cursor past it cannot be kept here (a stricter store than the sender's): it is
     * recorded as failed ({@link Scriber#failedScribes()}, the error listener) and passed. When the store takes
     * nothing, it is failing as a whole: the catch-up stops at the last scribe stored and fails with the cause.
     */
    private String playOneByOne(String from, List<?> result, JsonNode response, RuntimeException pageFailure,
            boolean own, boolean more) {
        JsonNode explicit = response.get("cursor");
        String cursor = from;
        for (Object item : result) {
            Txn one = new Txn();
            String next = playInto(List.of(item), cursor, one, null);
            if (next != null && !next.equals(cursor)) {
                one.cursor(session.client(), next);
                markOwn(one, own, true);
            }
            try {
                scriber.commit(one);
            } catch (RuntimeException failed) {
                if (next == null || next.equals(cursor)) {
                    throw failed;
                }
                Txn past = new Txn();
                past.cursor(session.client(), next);
                markOwn(past, own, true);
                // Kept with the cursor: a restart still knows it, and retryFailed fetches it again from before it.
                scriber.failures.stage(past, session.client(), item, failed, cursor);
                try {
                    scriber.commit(past);
                } catch (RuntimeException storeDown) {
                    throw pageFailure;
                }
                scriber.failures.failed(session.client(), item, failed);
            }
            cursor = next;
        }
        boolean moves = explicit != null && !explicit.isNull() && !explicit.asText().equals(cursor)
                && !Snapshot.isCursor(explicit.asText());
        if (moves || own && !more) {
            Txn end = new Txn();
            if (moves) {
                end.cursor(session.client(), explicit.asText(), statedAt(response, explicit, explicit.asText()));
                cursor = explicit.asText();
            }
            markOwn(end, own, more);
            scriber.commit(end);
        }
        return cursor;
    }

    /**
     * What the answering peer stated the scribe at its page's cursor to be ({@code at}, see {@link LogPosition}),
     * when {@code cursor} is the cursor the answer stated; null otherwise, or when the statement is malformed (the
     * next catch-up from that cursor then goes unchecked).
     */
    private static LogPosition statedAt(JsonNode response, JsonNode explicit, String cursor) {
        if (explicit == null || explicit.isNull() || !explicit.asText().equals(cursor)) {
            return null;
        }
        try {
            return LogPosition.read(response.get("at"), cursor, "");
        } catch (ScribeException e) {
            return null;
        }
    }

    /**
     * With the cursor of a catch-up that asks for this peer's own scribes ({@code own}): whether one resumed after a
     * restart asks for them too, which it does until such a catch-up has reached the end of the log ({@code more}
     * false). Written in the commit of the cursor, so that neither is stored without the other.
     */
    private void markOwn(Txn tx, boolean own, boolean more) {
        if (own) {
            tx.cursors().put(LogIdentity.ownKeyOf(session.client().id()), more ? "1" : "");
        }
    }
}
