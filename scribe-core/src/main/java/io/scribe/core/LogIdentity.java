package io.scribe.core;

import io.scribe.core.internal.LogPosition;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Store;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The identity of a peer's log: a random name given to the log when its store is first opened by a Scribe that knows
 * it (the store's cursor {@code ~log}), and kept with it. Every answer to a {@code sync} on the Scribe wire states it;
 * the asker stores it with its cursor in that log (the cursor {@code ~log/PEER}, in the same commit) and states it
 * again when it next asks. A position in another log is not a position in this one: a peer whose store was lost,
 * replaced or swapped for another's numbers its log from its first position again, and its answer to an asker that
 * names another log does not start after that asker's cursor (see {@link PageAnswer}).
 */
final class LogIdentity {

    /** The cursor holding this store's log identity. */
    static final String KEY = Scriber.RESERVED_PREFIX + "log";

    private LogIdentity() {}

    /**
     * The cursor marking a catch-up of {@code clientId}'s log that asks for this peer's own scribes too (one from the
     * start of that log) and has not reached its end yet.
     */
    static String ownKeyOf(String clientId) {
        return Scriber.RESERVED_PREFIX + "own/" + clientId;
    }

    /**
     * The cursor holding what the scribe at {@code clientId}'s stored cursor was ({@link io.scribe.core.internal.LogPosition}): the answering peer
     * checks it against its log, so that a log restored from an earlier copy, whose positions after the copy were
     * issued again to other scribes, is not read from a position it issued to another scribe.
     */
    static String atKeyOf(String clientId) {
        return Scriber.RESERVED_PREFIX + "at/" + clientId;
    }

    /** The cursor holding the identity of the log of {@code clientId} that its stored cursor is a position of. */
    static String keyOf(String clientId) {
        return KEY + "/" + clientId;
    }

    /**
     * The store's log identity, given (and stored) now if the store has none. Two nodes that start at the same moment
     * on the same new store may each store their own, the one written last staying: a node reads the store's again
     * when a peer names another log (see {@link PageAnswer}), so both soon state the same; until then a peer that
     * moves between them is answered as if the log had changed (a snapshot, or the log from its start), which skips
     * nothing.
     */
    static String load(Store store) {
        return store.cursor(KEY).filter(id -> !id.isEmpty()).orElseGet(() -> {
            String id = UUID.randomUUID().toString();
            store.commit(new Commit(List.of(), List.of(), Map.of(KEY, id)));
            return store.cursor(KEY).orElse(id);
        });
    }
}
