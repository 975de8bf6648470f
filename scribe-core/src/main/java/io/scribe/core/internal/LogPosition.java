package io.scribe.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Store;
import java.util.List;

/**
 * The scribe at a position of a peer's log, as the peer stated it: its clock and origin. Stored with the cursor
 * ({@code POSITION:CLOCK:ORIGIN}) and sent with the {@code sync} (or HTTP pull) that asks from that position ({@code
 * "at": {"clock": CLOCK, "origin": ORIGIN}}); the answering peer compares it with the scribe it holds there ({@link
 * #heldAt}). A different one means that the log is not the one the position was read from (a store restored from an
 * earlier copy, with the same identity): the position is then taken as one in another log.
 */
public record LogPosition(String position, long clock, String origin) {

    /** The longest origin a stated position may name: the longest peer id, which {@code Scriber} bounds ids by. */
    public static final int MAX_ORIGIN = 256;

    /** What {@code s}, held at its id, is; null when it has no id or no origin (a Syncro peer's). */
    public static LogPosition of(Scribe s) {
        return s.id() == null || s.origin() == null ? null : new LogPosition(s.id(), s.clock(), s.origin());
    }

    /** The stored form. */
    public String stored() {
        return position + ":" + clock + ":" + origin;
    }

    /** Reads the stored form; null for an empty or malformed value. */
    public static LogPosition parse(String stored) {
        String[] parts = stored == null ? new String[0] : stored.split(":", 3);
        if (parts.length != 3 || parts[0].isEmpty() || parts[2].isEmpty()) {
            return null;
        }
        try {
            return new LogPosition(parts[0], Long.parseLong(parts[1]), parts[2]);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** Whether {@code s}, the scribe held at this position, is the one stated. */
    public boolean matches(Scribe s) {
        return s.clock() == clock && origin.equals(s.origin());
    }

    /** The wire form: {@code {"clock": CLOCK, "origin": ORIGIN}}. */
    public ObjectNode json() {
        return Json.object().put("clock", clock).put("origin", origin);
    }

    /**
     * Reads the wire form stated for {@code position}; null when absent.
     *
     * @param context what the message is, put in front of the error ({@code "sync: "}, or empty)
     * @throws ScribeException 400 when present but not an object with a whole-number {@code clock} and a non-empty
     *     textual {@code origin} of at most 256 chars
     */
    public static LogPosition read(JsonNode at, String position, String context) {
        if (at == null || at.isNull()) {
            return null;
        }
        JsonNode clock = at.get("clock");
        JsonNode origin = at.get("origin");
        if (!at.isObject() || clock == null || !clock.canConvertToExactIntegral() || !clock.canConvertToLong()
                || origin == null || !origin.isTextual() || origin.asText().isEmpty()
                || origin.asText().length() > MAX_ORIGIN) {
            throw new ScribeException(ScribeException.BAD_REQUEST, context + "at must be {\"clock\": a whole number,"
                    + " \"origin\": a peer id}");
        }
        return new LogPosition(position, clock.asLong(), origin.asText());
    }

    /** The scribe {@code store}'s log holds at {@code position}; null when none is there (compacted, never written). */
    public static Scribe heldAt(Store store, long position) {
        if (position <= 0) {
            return null;
        }
        List<Scribe> there = store.readAfter(position - 1, 1);
        return there.isEmpty() || !Long.toString(position).equals(there.get(0).id()) ? null : there.get(0);
    }

    /** Whether {@code store}'s log holds another scribe at this position than the one stated (false when none). */
    public boolean heldElsewhere(Store store) {
        Scribe there = heldAt(store, Long.parseLong(position));
        return there != null && !matches(there);
    }
}
