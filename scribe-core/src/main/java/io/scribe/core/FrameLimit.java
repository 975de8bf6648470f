package io.scribe.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;

/**
 * The largest frame every wire a peer speaks or serves can carry, and the check that refuses a local step whose
 * scribes could not be sent in one such frame (pushed as {@code add_scribe}), rather than store what could never reach
 * a peer. Scribes received are held to it by {@link Admission}, since they are relayed.
 */
final class FrameLimit {

    private volatile int limit;

    FrameLimit(int limit) {
        this.limit = limit;
    }

    /**
     * A session opened with {@code w}, or a transport serves it ({@link Scriber#serves}): scribes recorded from now
     * on must fit its frames too, and so must scribes received.
     */
    void note(Wire w) {
        synchronized (this) {
            limit = Math.min(limit, w.maxFrameBytes());
        }
    }

    /**
     * The peer this one relays through reads frames of at most {@code bytes}: scribes recorded from now on must fit
     * them, and so must scribes received.
     */
    void note(int bytes) {
        synchronized (this) {
            limit = Math.min(limit, bytes);
        }
    }

    /** The largest frame every wire this peer speaks or serves can carry. */
    int limit() {
        return limit;
    }

    /** Refuses {@code tx} when one of its local scribes needs a larger frame than {@link #limit()}. */
    void check(Txn tx) {
        int limit = this.limit;
        for (int i = 0; i < tx.entries.size(); i++) {
            Txn.Entry e = tx.entries.get(i);
            if (e.source() != null) {
                continue;
            }
            if (e.parts() != null && e.parts().sizeBound(limit) <= limit) {
                continue;   // an update of one small field, its scribe not made to be measured
            }
            Scribe s = e.scribe();
            // A bound of the size first, which writes nothing: small scribes are not written to be measured.
            long envelope = Admission.envelopeBound(s);
            if (envelope + Json.sizeBound(s.data(), limit) <= limit) {
                continue;
            }
            if (Json.bytes(s.data()).length + envelope <= limit) {
                continue;
            }
            ObjectNode message = Json.object().put("type", "add_scribe");
            message.set("scribe", Json.toJson(new Scribe(Long.toString(Long.MAX_VALUE), s.klass(), s.type(),
                    s.data(), s.origin(), s.clock(), s.base())));
            message.put("id", Integer.MAX_VALUE);
            int size = Json.bytes(message).length;
            if (size > limit) {
                throw new ScribeException(ScribeException.TOO_LARGE, s.type().wireName() + " of " + s.klass()
                        + " needs a frame of " + size + " bytes, over the " + limit
                        + " bytes a peer of this Scriber can receive; not recorded");
            }
        }
    }
}
