package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
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
        long after = session.parseCursor(message.get("from"));
        session.client().acknowledged.reset(after);
        JsonNode limitNode = message.get("limit");
        int pageSize = Math.max(scriber.pageSize, 1);
        int limit = limitNode != null && limitNode.canConvertToInt() && limitNode.asInt() > 0
                ? Math.min(limitNode.asInt(), pageSize) : pageSize;
        ObjectNode response = Json.object().put("type", "response");
        if (id != null) {
            response.set("id", id);
        }
        ArrayNode result = response.putArray("result");
        // A page fits one frame with its envelope, counted exactly in UTF-8 bytes: any scribe that fits a frame on
        // its own is sent.
        response.put("more", false).put("cursor", Long.toString(Long.MAX_VALUE));
        Page page = new Page(after, limit, session.wire().maxFrameBytes() - (long) Json.bytes(response).length);
        response.remove("more");
        response.remove("cursor");
        if (after >= 0) {
            int chunk = Math.min(limit, 500);
            while (!page.full) {
                List<Scribe> read = scriber.store.readAfter(page.position, chunk);
                List<Scribe> visible;
                scriber.lock.lock();
                try {
                    visible = page.take(read, result);
                } finally {
                    scriber.lock.unlock();
                }
                page.add(visible, result);
                if (read.size() < chunk) {
                    break;
                }
            }
        }
        if (page.full) {
            response.put("more", true);
            if (page.cursor != null) {
                response.put("cursor", page.cursor);
            }
            session.enqueue(response);
            return;
        }
        scriber.lock.lock();
        try {
            if (after >= 0) {
                // What was appended since the last read, under the lock: no commit can come in between.
                while (!page.full) {
                    List<Scribe> read = scriber.store.readAfter(page.position, 500);
                    page.add(page.take(read, result), result);
                    if (read.size() < 500) {
                        break;
                    }
                }
            }
            response.put("more", page.full);
            if (page.cursor != null) {
                response.put("cursor", page.cursor);
            }
            session.enqueue(response);
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

    /** One {@code sync} answer being filled: where the reading is, and what it holds so far. */
    private final class Page {
        final long examineCap;
        final int limit;
        final long budget;
        long position;
        String cursor;
        long bytes;
        long examined;
        boolean full;
        // The last read, in step with what take returned for it.
        private List<Scribe> lastRead = List.of();

        Page(long after, int limit, long budget) {
            this.position = after;
            this.limit = limit;
            this.budget = budget;
            // Scribes the asker may not see still cost a read: a page stops after this many.
            this.examineCap = Math.max(limit, 1) * 20L;
        }

        /**
         * Of {@code read}, the scribes the asker may see, in order, stopping where the page ends by count or by the
         * examining cap. Caller holds the engine lock (visibility reads live objects).
         */
        List<Scribe> take(List<Scribe> read, ArrayNode result) {
            List<Scribe> visible = new ArrayList<>();
            int count = result.size();
            for (Scribe s : read) {
                if (count >= limit || examined >= examineCap) {
                    full = true;
                    break;
                }
                examined++;
                if (scriber.relay.visibleTo(s, session.client().id(), false)) {
                    visible.add(s);
                    count++;
                } else {
                    visible.add(null);
                }
            }
            // In step with read: null marks a scribe the asker may not see.
            lastRead = read;
            return visible;
        }

        /** Encodes the taken scribes into the answer while they fit the frame, moving the position past each. */
        void add(List<Scribe> visible, ArrayNode result) {
            for (int i = 0; i < visible.size(); i++) {
                Scribe s = visible.get(i);
                Scribe at = lastRead.get(i);
                if (s != null) {
                    ObjectNode json = Json.toJson(s);
                    long size = Json.bytes(json).length;
                    long comma = result.isEmpty() ? 0 : 1;
                    if (size > budget) {
                        // It can never be sent: skip it, or every catch-up would stop here.
                        scriber.report(new ScribeException(ScribeException.TOO_LARGE, "scribe " + s.id()
                                + " of " + size + " bytes cannot be sent to " + session.client().id() + "; skipped"));
                    } else if (bytes + comma + size > budget) {
                        full = true;
                        return;
                    } else {
                        bytes += comma + size;
                        result.add(json);
                    }
                }
                position = Long.parseLong(at.id());
                cursor = at.id();
            }
        }
    }
}
