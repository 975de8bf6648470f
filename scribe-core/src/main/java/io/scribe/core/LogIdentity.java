package io.scribe.core;

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
     * The cursor holding what the scribe at {@code clientId}'s stored cursor was ({@link At}): the answering peer
     * checks it against its log, so that a log restored from an earlier copy, whose positions after the copy were
     * issued again to other scribes, is not read from a position it issued to another scribe.
     */
    static String atKeyOf(String clientId) {
        return Scriber.RESERVED_PREFIX + "at/" + clientId;
    }

    /**
     * The scribe at a position of a peer's log, as the peer stated it: its clock and origin. Stored with the cursor
     * ({@code POSITION:CLOCK:ORIGIN}) and sent with the {@code sync} that asks from that position ({@code "at":
     * {"clock": CLOCK, "origin": ORIGIN}}); the answering peer compares it with the scribe it holds there. A
     * different one means that the log is not the one the position was read from (a store restored from an earlier
     * copy, with the same identity): the position is then taken as one in another log.
     */
    record At(String position, long clock, String origin) {

        /** What {@code s}, held at its id, is; null when it has no id or no origin (a Syncro peer's). */
        static At of(Scribe s) {
            return s.id() == null || s.origin() == null ? null : new At(s.id(), s.clock(), s.origin());
        }

        /** The stored form. */
        String stored() {
            return position + ":" + clock + ":" + origin;
        }

        /** Reads the stored form; null for an empty or malformed value. */
        static At parse(String stored) {
            String[] parts = stored == null ? new String[0] : stored.split(":", 3);
            if (parts.length != 3 || parts[0].isEmpty() || parts[2].isEmpty()) {
                return null;
            }
            try {
                return new At(parts[0], Long.parseLong(parts[1]), parts[2]);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Whether {@code s}, the scribe held at this position, is the one stated. */
        boolean matches(Scribe s) {
            return s.clock() == clock && origin.equals(s.origin());
        }

        /** The wire form: {@code {"clock": CLOCK, "origin": ORIGIN}}. */
        com.fasterxml.jackson.databind.node.ObjectNode json() {
            return io.scribe.core.internal.Json.object().put("clock", clock).put("origin", origin);
        }

        /**
         * Reads the wire form stated for {@code position}; null when absent.
         *
         * @throws ScribeException 400 when present but not an object with a whole-number {@code clock} and a
         *     non-empty textual {@code origin} of at most 256 chars
         */
        static At read(com.fasterxml.jackson.databind.JsonNode at, String position) {
            if (at == null || at.isNull()) {
                return null;
            }
            com.fasterxml.jackson.databind.JsonNode clock = at.get("clock");
            com.fasterxml.jackson.databind.JsonNode origin = at.get("origin");
            if (!at.isObject() || clock == null || !clock.canConvertToExactIntegral() || !clock.canConvertToLong()
                    || origin == null || !origin.isTextual() || origin.asText().isEmpty()
                    || origin.asText().length() > Scriber.MAX_CLIENT_ID) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "sync: at must be {\"clock\": a whole"
                        + " number, \"origin\": a peer id}");
            }
            return new At(position, clock.asLong(), origin.asText());
        }
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
