package io.scribe.core;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Two concurrent writes to the same field (or key of a key-merged field) where one lost: neither writer had seen the
 * other's value (each write's base is older than the other's stamp). A peer reports a conflict in two places:
 *
 * <ul>
 *   <li><b>where the losing write is refused</b>: an incoming write the resolver does not take (under {@link
 *       Resolver#serverWins(String)} or any resolver that refuses newer writes, the peer also issues a correction).
 *       {@link #scribe()} is the refused scribe; its origin is the {@link #loser()}.
 *   <li><b>where the losing write was made</b>: an incoming write replaces a value this peer wrote itself and that
 *       was still the current value here (nothing had replaced it since), and the incoming writer had not seen it.
 *       {@link #scribe()} is the winning scribe; the {@link #loser()} is this peer. This is how the author of an
 *       offline edit learns that another peer's concurrent edit won.
 * </ul>
 *
 * <p>A peer that neither wrote nor refused the losing value (a hub that relays the later, winning write) reports
 * nothing. Duplicates (the same write delivered twice) and writes made after seeing the other are not conflicts.
 *
 * @param klass the class's wire name
 * @param id the object's identity as text
 * @param object the live object (as it is after the step that found the conflict), or null if there is none
 * @param scribe the incoming scribe, as played: the refused one, or the winning one when this peer's write lost
 * @param lost the losing values: {@code {field: value}}, and for key-merged fields {@code {field: {key: value}}} (a
 *     null value: a removal that lost)
 * @param kept the values that won and are now current, in the same shape (a null value: the key is absent)
 * @param winner the GUID of the peer whose write won (for a refusal, the writer of the newest value kept)
 * @param loser the GUID of the peer whose write lost
 */
public record Conflict(String klass, String id, Object object, Scribe scribe, ObjectNode lost, ObjectNode kept,
        String winner, String loser) {

    /**
     * Whether the write that lost was made on the peer {@code peerId} (pass the listening Scriber's {@link
     * Scriber#id()}): its user's change was overwritten.
     */
    public boolean lostBy(String peerId) {
        return loser != null && loser.equals(peerId);
    }

    /**
     * Observes conflicts. Called on the thread that played the incoming write, after its step was committed, under
     * the Scriber's lock: keep it short and do not block. An exception is logged and otherwise ignored.
     */
    @FunctionalInterface
    public interface Listener {
        void onConflict(Conflict conflict);
    }
}
