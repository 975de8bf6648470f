package io.scribe.core.internal.capture;

/**
 * What an enhanced object is bound to: the engine of the peer that created or received it. Implemented by the
 * engine; called by {@link Hooks}. Implementations are thread-safe.
 */
public interface Recorder {

    /**
     * Records an update with the synced fields of {@code object} that changed since its last recorded state; nothing
     * when nothing changed. Does nothing when the object is no longer bound to this recorder.
     *
     * @throws io.scribe.core.ScribeException if a field holds a value that cannot be synced
     */
    void flush(Object object);

    /**
     * Like {@link #flush(Object)}, diffing only the fields named in {@code fields[0..count)} and those whose contents
     * can change without a write of the field (which ones is the implementation's choice); null {@code fields}:
     * every field. The array belongs to the caller and is not kept.
     *
     * @throws io.scribe.core.ScribeException if a field holds a value that cannot be synced
     */
    default void flush(Object object, String[] fields, int count) {
        flush(object);
    }

    /** A collection field of {@code object} was assigned: wraps the new value so in-place changes are recorded. */
    void assigned(Object object, String field);

    /** The outermost constructor of {@code object} finished while this recorder was the thread's current one. */
    void constructed(Object object);
}
