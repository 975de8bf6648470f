package io.scribe.core;

import io.scribe.core.spi.Stamp;
import java.util.Objects;

/**
 * Decides, field by field, whether an incoming write replaces the current value. Every peer asks its resolver the
 * same questions about the same writes, so a resolver must be deterministic: it may look only at the two stamps.
 *
 * <p>Thread-safe implementations only; the engine calls it while holding its lock.
 */
@FunctionalInterface
public interface Resolver {

    /** Whether the write stamped {@code incoming} replaces the value stamped {@code current}. */
    boolean replaces(Stamp current, Stamp incoming);

    /**
     * Last writer wins: the greater stamp (clock, then origin GUID) wins. The default; it converges whatever the
     * topology and the delivery order.
     */
    static Resolver lastWriterWins() {
        return (current, incoming) -> incoming.compareTo(current) > 0;
    }

    /**
     * The resolver as used on the peer {@code peerId}. The default is this resolver on every peer; a resolver that
     * gives one peer the last word (server-wins) answers differently there.
     */
    default Resolver on(String peerId) {
        return this;
    }

    /**
     * Server wins: the peer {@code serverId} is the arbiter. There, a write from another peer that is concurrent with
     * the current value written on the server (the writer had not seen it: the write's base is older than the
     * value's clock) is refused, and the server answers it with a correction: a new update re-asserting its value
     * with a newer stamp, which every peer takes, the writer included. Everywhere else, and for writes that are not
     * concurrent, the last writer wins. Writes whose base is unknown (Syncro peers) count as concurrent. Meant for a
     * hub topology, where every change passes through the server.
     */
    static Resolver serverWins(String serverId) {
        Objects.requireNonNull(serverId, "serverId");
        Resolver lww = lastWriterWins();
        Resolver arbiter = (current, incoming) -> {
            if (serverId.equals(current.origin()) && !serverId.equals(incoming.origin())
                    && incoming.base() < current.clock()) {
                return false;
            }
            return lww.replaces(current, incoming);
        };
        return new Resolver() {
            @Override
            public boolean replaces(Stamp current, Stamp incoming) {
                return lww.replaces(current, incoming);
            }

            @Override
            public Resolver on(String peerId) {
                return serverId.equals(peerId) ? arbiter : lww;
            }
        };
    }
}
