package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;

/**
 * The checks a remote scribe passes before it is played, stored or relayed, so that nothing a receiver could not
 * keep gets past the first hop: it fits every frame this peer relays it in (see {@link Scriber#serves}) and the
 * store's limits. The values' types and nullability are checked field by field when the scribe is converted (see
 * {@link SyncedClass#incoming}).
 */
final class Admission {

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
        if (source == null) {
            return;
        }
        // The smallest frame of every wire this peer serves (its builder's, the sessions', the transports'), so
        // that a scribe accepted here can be relayed to every peer.
        long limit = (long) Math.min(scriber.committer.frameLimit(), source.wire().maxFrameBytes()) - ENVELOPE_BYTES;
        long size = frameBytes > 0 && frameBytes <= limit ? -1 : encodedSize(scribe);
        if (size > limit) {
            throw new ScribeException(ScribeException.TOO_LARGE, "scribe " + scribe.id() + " of " + size
                    + " bytes exceeds the " + limit + " bytes a frame can carry when it is relayed; refused");
        }
        scriber.store.check(scribe, size >= 0 ? size : frameBytes);
    }

    private static long encodedSize(Scribe scribe) {
        JsonNode json = Json.toJson(scribe);
        return Json.bytes(json).length;
    }
}
