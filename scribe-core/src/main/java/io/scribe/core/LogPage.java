package io.scribe.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.LogPosition;
import io.scribe.core.internal.StoredScribes;
import io.scribe.core.spi.StoredScribe;
import java.util.ArrayList;
import java.util.List;

/**
 * One page of the log being filled for an answer to {@code sync} (see {@link PageAnswer}): where the reading is, the
 * scribes the asker may see so far as stored, bounded by count, by a cap on the scribes examined and by the frame, and
 * the answer made from their stored bytes.
 */
final class LogPage {

    /** The bytes of {@code ,"at":} in an answer. */
    static final int AT_KEY = 6;
    static final byte[] RESULT_KEY = ",\"result\":[".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] ARRAY_END = {']', '}'};

    private final Session session;
    private final Scriber scriber;
    final long examineCap;
    final int limit;
    final long budget;
    final long after;
    // False when the asker takes this peer's own scribes only (it does not trust this peer as a relay and would
    // refuse the others): the scribes of other origins are passed like those it may not see.
    final boolean relayed;
    // Whether the asker's own scribes are sent too.
    final boolean own;
    long position;
    String cursor;
    long bytes;
    long examined;
    boolean full;
    // The last read, in step with what take returned for it, and its outlines.
    private List<StoredScribe> lastRead = List.of();
    private List<Scribe> lastOutlines = List.of();
    // What the scribe at the position is (see LogPosition), null before the first.
    private LogPosition positionAt;
    // The page's scribes as stored, sent with their ids put in front.
    private final List<StoredScribe> scribes = new ArrayList<>();

    LogPage(Session session, long after, int limit, long budget, boolean relayed, boolean own) {
        this.session = session;
        this.scriber = session.scriber();
        this.after = after;
        this.relayed = relayed;
        this.own = own;
        this.position = after;
        this.limit = limit;
        this.budget = budget;
        // Scribes the asker may not see still cost a read: a page stops after this many.
        this.examineCap = Math.max(limit, 1) * 20L;
    }

    /**
     * Of {@code read}, the outlines of the scribes the asker may see, in order (null for the others), stopping
     * where the page ends by count or by the examining cap. Caller holds the engine lock (visibility reads live
     * objects).
     */
    List<Scribe> take(StoredScribes.Outlined read) {
        List<Scribe> visible = new ArrayList<>(read.outlines().size());
        int count = scribes.size();
        for (Scribe s : read.outlines()) {
            if (count >= limit || examined >= examineCap) {
                full = true;
                break;
            }
            examined++;
            if ((relayed || scriber.guid.equals(s.origin()))
                    && scriber.relay.visibleTo(s, session.client().id(), own)) {
                visible.add(s);
                count++;
            } else {
                visible.add(null);
            }
        }
        lastRead = read.stored();
        lastOutlines = read.outlines();
        return visible;
    }

    /** Takes the visible scribes for the answer while they fit the frame, moving the position past each. */
    void add(List<Scribe> visible) {
        for (int i = 0; i < visible.size(); i++) {
            StoredScribe at = lastRead.get(i);
            if (visible.get(i) != null) {
                StoredScribe sent = at;
                long size = StoredScribes.wireLength(sent);
                if (size < 0 || size > budget) {
                    // Not bytes an id can be put in front of, or larger than the frame as stored (a store may
                    // keep a scribe spaced, as PostgreSQL prints jsonb): decoded and encoded again, compact, as it
                    // was measured when it was admitted.
                    sent = new StoredScribe(at.id(), Json.scribeBytes(StoredScribes.decode(at).withId(null)));
                    size = StoredScribes.wireLength(sent);
                }
                long comma = scribes.isEmpty() ? 0 : 1;
                if (size > budget) {
                    // It can never be sent: skip it, or every catch-up would stop here.
                    scriber.report(new ScribeException(ScribeException.TOO_LARGE, "scribe " + at.id()
                            + " of " + size + " bytes cannot be sent to " + session.client().id() + "; skipped"));
                } else if (bytes + comma + size > budget) {
                    full = true;
                    break;
                } else {
                    bytes += comma + size;
                    scribes.add(sent);
                }
            }
            position = at.id();
            Scribe outline = lastOutlines.get(i);
            positionAt = outline == null || outline.origin() == null ? null
                    : new LogPosition(Long.toString(position), outline.clock(), outline.origin());
        }
        cursor = position > after ? Long.toString(position) : null;
    }

    /**
     * Puts the page's cursor in {@code response}, with what the scribe there is ({@code at}, when the frame has
     * room for it).
     */
    void putCursor(ObjectNode response) {
        if (cursor == null) {
            return;
        }
        response.put("cursor", cursor);
        if (positionAt != null && positionAt.position().equals(cursor)) {
            ObjectNode at = positionAt.json();
            if (bytes + AT_KEY + Json.bytes(at).length <= budget) {
                response.set("at", at);
            }
        }
    }

    /** Queues {@code envelope} with the page's scribes as its {@code result}, each its stored bytes and id. */
    void enqueue(ObjectNode envelope) {
        // {"type":"response",...} becomes {"type":"response",...,"result":[...]}
        byte[] head = Json.bytes(envelope);
        byte[] out = new byte[(int) (head.length - 1 + RESULT_KEY.length + bytes + ARRAY_END.length)];
        System.arraycopy(head, 0, out, 0, head.length - 1);
        int at = head.length - 1;
        System.arraycopy(RESULT_KEY, 0, out, at, RESULT_KEY.length);
        at += RESULT_KEY.length;
        for (int i = 0; i < scribes.size(); i++) {
            if (i > 0) {
                out[at++] = ',';
            }
            at = StoredScribes.writeWire(scribes.get(i), out, at);
        }
        System.arraycopy(ARRAY_END, 0, out, at, ARRAY_END.length);
        session.outbox.addEncoded(envelope, out);
    }
}
