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
     * Server wins: when a write made on the peer {@code serverId} and a write made elsewhere are concurrent (neither
     * writer had seen the other's value: the later one's base is older than the earlier one's clock), the server's
     * write wins; otherwise the later write wins. Writes whose base is unknown (Syncro peers) count as concurrent.
     * Meant for a hub topology, where every change passes through the server.
     */
    static Resolver serverWins(String serverId) {
        Objects.requireNonNull(serverId, "serverId");
        return (current, incoming) -> {
            boolean incomingFromServer = serverId.equals(incoming.origin());
            if (incomingFromServer != serverId.equals(current.origin())) {
                Stamp later = incoming.compareTo(current) > 0 ? incoming : current;
                Stamp earlier = later == incoming ? current : incoming;
                if (later.base() < earlier.clock()) {
                    return incomingFromServer;
                }
            }
            return incoming.compareTo(current) > 0;
        };
    }
}
