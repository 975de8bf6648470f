package io.scribe.core.spi;

import java.util.Objects;

/**
 * A scribe of a store's log as the store keeps it: its id in the log and its UTF-8 JSON without the {@code id}
 * member, as {@link Codec#json()} encodes a scribe whose id is null (members in any order, insignificant whitespace
 * allowed). A peer answering a catch-up sends these bytes on with the id put in front, instead of decoding and
 * encoding every scribe again.
 *
 * @param id the scribe's id in the log ({@link Store#readAfter} gives it as text)
 * @param json the scribe as a UTF-8 JSON object without an {@code id} member; not copied, and not to be changed
 */
public record StoredScribe(long id, byte[] json) {

    /** Checks that {@code json} is present. */
    public StoredScribe {
        Objects.requireNonNull(json, "json");
    }
}
