package io.scribe.core;

import java.util.Set;

/**
 * A change applied to a synced object, local or remote, as listeners see it.
 *
 * @param type what happened to the object; a remote {@code create} that merged into an object that already existed
 *     is reported as an {@link Scribe.Type#UPDATE}
 * @param object the object (after the change; for a destroy, the object as it was)
 * @param id the object's identity as text
 * @param fields the fields the change set (all synced fields on create, none on destroy); not to be changed (it may be immutable)
 * @param origin the GUID of the peer where the change was made
 * @param local whether the change was made on this peer
 * @param <T> the synced class
 */
public record Change<T>(Scribe.Type type, T object, String id, Set<String> fields, String origin, boolean local) {

    /** Observes the changes of one class. Called on the thread that applied the change, in order, under the
     * Scriber's lock: keep it short and do not block. An exception is logged and does not stop other listeners. */
    @FunctionalInterface
    public interface Listener<T> {
        void onChange(Change<T> change);
    }
}
