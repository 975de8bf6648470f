package io.scribe.core.spi;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;

/**
 * The latest known state of one synced object, as a store keeps it: its synced fields as JSON, the stamp of the
 * write that set each field, and a tombstone once the object was destroyed. A peer restarts from these states
 * without replaying its log.
 *
 * <p>Instances are immutable by convention: the engine never mutates {@code fields} after handing a state to a store.
 *
 * @param klass the class name on the wire
 * @param id the object's identity, as text
 * @param fields the synced fields (the identity field included); a tombstone keeps only the identity
 * @param stamps the stamp of each field in {@code fields}
 * @param tombstone the stamp of the destroy, or {@code null} while the object lives
 */
public record ObjectState(
        String klass, String id, ObjectNode fields, Map<String, Stamp> stamps, Stamp tombstone) {

    /** Validates the components and copies {@code stamps} (unless it is immutable already). */
    public ObjectState {
        Objects.requireNonNull(klass, "klass");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(fields, "fields");
        // A held state's compact stamps (see UniformStamps) are immutable already, and so are the stamps the engine
        // builds for a played state (SmallStamps) once its step is committed; any other map is copied.
        stamps = stamps instanceof io.scribe.core.internal.UniformStamps
                || stamps instanceof io.scribe.core.internal.SmallStamps ? stamps : Map.copyOf(stamps);
    }

    /** Whether the object was destroyed. */
    public boolean destroyed() {
        return tombstone != null;
    }
}
