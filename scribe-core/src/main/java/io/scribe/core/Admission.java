package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.SmallMap;

/**
 * The checks a remote scribe passes before it is played, stored or relayed, so that nothing a receiver could not
 * keep gets past the first hop: it fits every frame this peer relays it in (see {@link Scriber#serves}) and the
 * store's limits. The values' types and nullability are checked field by field when the scribe is converted (see
 * {@link SyncedClass#incoming}).
 */
final class Admission {

    /** Up to this size, a store is told an upper bound of a scribe's size rather than the exact one. */
    static final long BOUND_BYTES = 64 * 1024;

    /** Room left in a frame for the envelope around a scribe ({@code add_scribe}, request id). */
    static final int ENVELOPE_BYTES = 512;

    private Admission() {}

    /**
     * Checks {@code scribe} from {@code source} (null: read from a shared log, not checked).
     *
     * @param frameBytes the size of the frame that carried it, an upper bound of its own size (0 when unknown)
     * @throws ScribeException 413 when it is larger than a frame can carry, or what the store refuses
     */
    static void check(Scriber scriber, Session source, Scribe scribe, long frameBytes) {
        check(scriber, source, scribe, frameBytes, 0);
    }

    /**
     * {@link #check(Scriber, Session, Scribe, long)}, knowing that the scribe's data takes at most {@code dataBound}
     * bytes encoded (0: unknown; see {@link io.scribe.core.internal.SyncPage#dataBound}): then its data is not walked
     * to bound its size.
     */
    static void check(Scriber scriber, Session source, Scribe scribe, long frameBytes, long dataBound) {
        if (source == null) {
            return;
        }
        // The smallest frame of every wire this peer serves (its builder's, the sessions', the transports'), so
        // that a scribe accepted here can be relayed to every peer.
        long limit = (long) Math.min(scriber.committer.frames.limit(), source.wire().maxFrameBytes()) - ENVELOPE_BYTES;
        // An upper bound of its size is enough when it is small: the frame that carried it, or one computed
        // without writing. A larger scribe is measured exactly, so that neither the frame limit nor a store's own
        // (Store#check) refuses it for a bound above its real size.
        long size = dataBound > 0 ? envelopeBound(scribe) + dataBound : sizeBound(scribe, limit);
        if (frameBytes > 0) {
            // Both are upper bounds: the smaller serves (one scribe of a large batch is bounded by its own).
            size = Math.min(size, frameBytes);
        }
        if (size > Math.min(limit, BOUND_BYTES)) {
            size = encodedSize(scribe);
        }
        if (size > limit) {
            throw new ScribeException(ScribeException.TOO_LARGE, "scribe " + scribe.id() + " of " + size
                    + " bytes exceeds the " + limit + " bytes a frame can carry when it is relayed; refused");
        }
        scriber.store.check(scribe, size);
    }

    /**
     * An upper bound of the size of {@code s} as UTF-8 JSON, computed without writing it (see {@link Json#sizeBound}),
     * or a value over {@code cap} once it exceeds it.
     */
    static long sizeBound(Scribe s, long cap) {
        return envelopeBound(s) + Json.sizeBound(s.data(), cap);
    }

    /**
     * An upper bound of the size of {@code s} without its data: id, type, klass, origin, clock and base. Each char of
     * a text counts six bytes (a control character is written as a six-character escape), as in {@link Json#sizeBound}.
     */
    static long envelopeBound(Scribe s) {
        long envelope = 160 + s.klass().length() * 6L + (s.origin() == null ? 0 : s.origin().length() * 6L)
                + (s.id() == null ? 0 : s.id().length() * 6L) + s.base().size() * 48L;
        String only = onlyBaseKey(s);
        if (only != null) {
            return envelope + only.length() * 6L;
        }
        for (String k : s.base().keySet()) {
            envelope += k.length() * 6L;
        }
        return envelope;
    }

    /**
     * The one name of {@code s}'s base when it is the one field of an update's data held in a SmallMap (a local update
     * of one field), found without iterating the base (an immutable map's iterator makes an entry); otherwise null.
     */
    private static String onlyBaseKey(Scribe s) {
        if (s.base().size() != 1 || s.data() == null || !s.data().isArray() || s.data().size() != 2
                || !(s.data().get(1) instanceof ObjectNode fields)
                || HeldNode.indexed(fields) != 1) {
            return null;
        }
        String name = HeldNode.keyAt(fields, 0);
        return s.base().containsKey(name) ? name : null;
    }

    private static long encodedSize(Scribe scribe) {
        JsonNode json = Json.toJson(scribe);
        return Json.bytes(json).length;
    }
}
