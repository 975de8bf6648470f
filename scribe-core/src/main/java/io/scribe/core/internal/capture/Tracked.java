package io.scribe.core.internal.capture;

/**
 * Implemented by every enhanced {@code @Synced} class: the accessors of the field that binds an instance to its
 * {@link Recorder}. The field is volatile; a null recorder means the object is plain and records nothing.
 */
public interface Tracked {

    /** The recorder this object is bound to, or null. */
    Recorder $scribe$recorder();

    /** Binds this object to {@code recorder}, or unbinds it with null. Called by the engine only. */
    void $scribe$recorder(Recorder recorder);
}
