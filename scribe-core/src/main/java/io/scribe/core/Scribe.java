package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.Objects;

/**
 * One recorded change of one synced object, the unit peers exchange. Immutable and thread-safe.
 *
 * <p>{@code data} has Syncro's shape: the object's synced fields on {@link Type#CREATE}, {@code [objectId, {field:
 * newValue, ...}]} on {@link Type#UPDATE} (only the fields that changed), {@code [objectId]} on {@link Type#DESTROY}.
 *
 * @param id the scribe's id in the log of the peer that sent it: a decimal sequence number for a Scribe peer, an
 *     opaque string for a Syncro peer; {@code null} before the scribe is stored
 * @param klass the class name on the wire (see {@link io.scribe.annotations.Synced#value()})
 * @param type create, update or destroy
 * @param data the change, as described above
 * @param origin the GUID of the peer where the change was first made; {@code null} when a Syncro peer sent it
 * @param clock the hybrid logical clock of the change at its origin ({@link #clock()} is 0 when unknown)
 * @param base for an update, the clock of the value each changed field had when the writer replaced it (empty when
 *     unknown); resolvers use it to tell concurrent writes from later ones
 */
public record Scribe(
        String id, String klass, Type type, JsonNode data, String origin, long clock, Map<String, Long> base) {

    /** Validates the mandatory components and copies {@code base} (unless it is immutable already). */
    public Scribe {
        Objects.requireNonNull(klass, "klass");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        // A one-field base (OneBase) is immutable already; any other map is copied.
        base = base == null ? Map.of() : base instanceof io.scribe.core.internal.OneBase ? base : Map.copyOf(base);
    }

    /** Returns this scribe under another log id. */
    public Scribe withId(String newId) {
        return new Scribe(newId, klass, type, data, origin, clock, base);
    }

    /** What a scribe does to its object. */
    public enum Type {
        CREATE("create"),
        UPDATE("update"),
        DESTROY("destroy");

        private final String wire;

        Type(String wire) {
            this.wire = wire;
        }

        /** The name on the wire: {@code create}, {@code update} or {@code destroy}. */
        public String wireName() {
            return wire;
        }

        /**
         * Parses a wire name.
         *
         * @throws IllegalArgumentException if {@code name} is not one of the three
         */
        public static Type fromWire(String name) {
            for (Type t : values()) {
                if (t.wire.equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unknown scribe type: " + name);
        }
    }
}
