package io.scribe.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;

/**
 * The largest frame every wire a peer speaks or serves can carry, and the check that refuses a local step whose
 * scribes could not be sent in one such frame (pushed as {@code add_scribe}), rather than store what could never reach
 * a peer. Scribes received are held to it by {@link Admission}, since they are relayed.
 */
final class FrameLimit {

    /** The largest frame of every wire this peer speaks or serves: only lowered, as wires are added. */
    private volatile int wires;
    /**
     * The frame the peer this one relays through stated last ({@link #note(int)}), or {@link Integer#MAX_VALUE} before
     * one did: replaced at each statement, so a server that now reads larger frames is written to in larger ones.
     */
    private volatile int upstream = Integer.MAX_VALUE;

    FrameLimit(int limit) {
        this.wires = limit;
    }

    /**
     * A session opened with {@code w}, or a transport serves it ({@link Scriber#serves}): scribes recorded from now
     * on must fit its frames too, and so must scribes received.
     */
    void note(Wire w) {
        synchronized (this) {
            wires = Math.min(wires, w.maxFrameBytes());
        }
    }

    /** The cursor keeping the frame the peer this one relays through stated last, for the next start. */
    static final String KEY = Scriber.RESERVED_PREFIX + "frame";

    /**
     * The peer this one relays through reads frames of at most {@code bytes} (its {@code sync} said so, again at each
     * connection; or the store kept it from before a restart): scribes recorded from now on must fit them, and so
     * must scribes received. It replaces what that peer stated before. Returns whether it changed.
     */
    boolean note(int bytes) {
        int before = upstream;
        upstream = Math.max(1, bytes);
        return upstream != before;
    }

    /** What the store kept of {@link #note(int)} before a restart, if anything. */
    void restore(io.scribe.core.spi.Store store) {
        store.cursor(KEY).ifPresent(kept -> {
            try {
                note(Integer.parseInt(kept));
            } catch (NumberFormatException e) {
                // Not a frame this peer wrote: the next statement replaces it.
            }
        });
    }

    /** The largest frame every wire this peer speaks or serves, and the peer it relays through, can carry. */
    int limit() {
        return Math.min(wires, upstream);
    }

    /**
     * The largest scribe the peer this one relays through admits: its frame less the room {@link Admission} leaves
     * there for the envelope the scribe is relayed in; unbounded until such a peer stated its frame.
     */
    private long upstreamRoom() {
        int u = upstream;
        return u == Integer.MAX_VALUE ? Long.MAX_VALUE : (long) u - Admission.ENVELOPE_BYTES;
    }

    /**
     * Refuses {@code tx} when one of its local scribes needs a larger frame than {@link #limit()}, or is larger than
     * the peer this one relays through admits ({@link #note(int)}: its frame less {@link Admission#ENVELOPE_BYTES}, as
     * it checks a scribe it receives), so that nothing is recorded here that its server refuses for good.
     */
    void check(Txn tx) {
        int limit = limit();
        long room = upstreamRoom();
        long cap = Math.min(limit, room);
        for (int i = 0; i < tx.entries.size(); i++) {
            Txn.Entry e = tx.entries.get(i);
            if (e.source() != null) {
                continue;
            }
            if (e.parts() != null && e.parts().sizeBound(limit) <= cap) {
                continue;   // an update of one small field, its scribe not made to be measured
            }
            Scribe s = e.scribe();
            // A bound of the size first, which writes nothing: small scribes are not written to be measured.
            long envelope = Admission.envelopeBound(s);
            if (envelope + Json.sizeBound(s.data(), limit) <= cap) {
                continue;
            }
            if (Json.bytes(s.data()).length + envelope <= cap) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode scribe = Json.toJson(new Scribe(Long.toString(Long.MAX_VALUE),
                    s.klass(), s.type(), s.data(), s.origin(), s.clock(), s.base()));
            int scribeSize = Json.bytes(scribe).length;
            if (scribeSize > room) {
                throw new ScribeException(ScribeException.TOO_LARGE, s.type().wireName() + " of " + s.klass()
                        + " needs a frame of " + (scribeSize + Admission.ENVELOPE_BYTES) + " bytes (" + scribeSize
                        + " and " + Admission.ENVELOPE_BYTES + " for the envelope it is relayed in), over the "
                        + (room + Admission.ENVELOPE_BYTES) + " bytes the peer this Scriber relays through reads;"
                        + " not recorded");
            }
            ObjectNode message = Json.object().put("type", "add_scribe");
            message.set("scribe", scribe);
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
