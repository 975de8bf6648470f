package io.scribe.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A concurrent write that lost: the resolver refused an incoming write whose writer had not seen the value it would
 * have replaced (its base is older than that value's stamp). Under {@link Resolver#serverWins(String)} or any
 * resolver that refuses newer writes, the peer also issues a correction; the conflict tells the application what was
 * refused, so that it can keep the losing change and tell its author.
 *
 * <p>Duplicates (the same write delivered twice) are not conflicts.
 *
 * @param klass the class's wire name
 * @param id the object's identity as text
 * @param object the live object (as it is after the step that refused the write), or null if there is none
 * @param refused the incoming scribe, as played (its {@code origin} is the losing writer)
 * @param lost the refused values: {@code {field: value}}, and for key-merged fields {@code {field: {key: value}}}
 *     (a null value: a removal that was refused)
 * @param kept the values kept instead, in the same shape (a null value: the key is absent)
 */
public record Conflict(String klass, String id, Object object, Scribe refused, ObjectNode lost, ObjectNode kept) {

    /**
     * Observes conflicts. Called on the thread that played the refused write, after its step was committed, under
     * the Scriber's lock: keep it short and do not block. An exception is logged and otherwise ignored.
     */
    @FunctionalInterface
    public interface Listener {
        void onConflict(Conflict conflict);
    }
}
