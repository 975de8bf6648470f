package io.scribe.testkit;

import io.scribe.core.Scriber;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Peers for an application's own tests: each peer a {@link Scriber} on an in-memory store and on one shared
 * {@link ManualClock}, joined by an in-memory {@link Network} that delivers frames only when the test says so.
 * {@link #assertConverged()} checks what sync promises: after delivery, every peer holds the same objects.
 *
 * <p>Get one from {@link io.scribe.testkit.junit.ScribeExtension} as a test parameter (closed after the test), or
 * make one and close it yourself. Not thread-safe: drive it from the test's thread.
 */
public final class TestNetwork implements AutoCloseable {

    private final long seed;
    private final ManualClock clock = new ManualClock(1_767_225_600_000L);
    private final Network network;
    private final Map<String, Peer> peers = new LinkedHashMap<>();

    private record Peer(Scriber scriber, Store store) {}

    /** A network whose random choices (delivery order) follow {@code seed}. */
    public TestNetwork(long seed) {
        this.seed = seed;
        this.network = new Network(new Random(seed));
    }

    /** The seed of this network's random choices, for a failure message. */
    public long seed() {
        return seed;
    }

    /** The clock every peer reads; advance it to let time pass. */
    public ManualClock clock() {
        return clock;
    }

    /** The network itself: cut and reconnect links, deliver frame by frame, duplicate frames. */
    public Network network() {
        return network;
    }

    /** A new peer with this GUID, syncing these classes with their default policies. */
    public Scriber peer(String id, Class<?>... types) {
        return peer(id, b -> b.register(types));
    }

    /**
     * A new peer with this GUID; {@code config} receives a builder that already has the id, an in-memory store and
     * the network's clock, and may set anything else (classes with policies, resolvers, handlers).
     *
     * @throws IllegalArgumentException if a peer with this id exists
     */
    public Scriber peer(String id, UnaryOperator<Scriber.Builder> config) {
        Objects.requireNonNull(id, "id");
        if (peers.containsKey(id)) {
            throw new IllegalArgumentException("a peer named " + id + " exists");
        }
        Store store = Store.inMemory();
        Scriber scriber = config.apply(Scriber.builder().clientId(id).store(store).clock(clock)).build();
        peers.put(id, new Peer(scriber, store));
        return scriber;
    }

    /**
     * Connects {@code client} to {@code server}; both start their catch-up. The client trusts the server as a relay
     * (it may pass on other peers' scribes); the server accepts only the client's own. Frames move only on
     * {@link #settle()} or through {@link #network()}.
     */
    public Network.Link link(Scriber client, Scriber server) {
        return network.link(client, server);
    }

    /** A hub and its clients: links each of {@code clients} to {@code hub}. */
    public void star(Scriber hub, Scriber... clients) {
        for (Scriber c : clients) {
            link(c, hub);
        }
    }

    /** Delivers every waiting frame on every connected link until the peers stop talking; returns the count. */
    public int settle() {
        return network.settle();
    }

    /**
     * Settles the network, then checks that every peer's store holds the same objects: the same synced fields of
     * each live object and the same destroyed identities.
     *
     * @throws AssertionError naming the objects that differ and the peers that disagree
     */
    public void assertConverged() {
        settle();
        Map<String, Map<String, String>> byPeer = new LinkedHashMap<>();
        for (Map.Entry<String, Peer> e : peers.entrySet()) {
            Map<String, String> objects = new TreeMap<>();
            e.getValue().store().forEachObject((ObjectState s) -> objects.put(s.klass() + "/" + s.id(),
                    s.destroyed() ? "destroyed" : s.fields().toString()));
            byPeer.put(e.getKey(), objects);
        }
        if (byPeer.isEmpty()) {
            return;
        }
        TreeSet<String> keys = new TreeSet<>();
        byPeer.values().forEach(m -> keys.addAll(m.keySet()));
        List<String> differences = new ArrayList<>();
        for (String key : keys) {
            Map<String, String> seen = new LinkedHashMap<>();
            byPeer.forEach((peer, objects) -> seen.put(peer, objects.getOrDefault(key, "absent")));
            if (seen.values().stream().distinct().count() > 1) {
                differences.add(key + ": " + seen);
            }
        }
        if (!differences.isEmpty()) {
            throw new AssertionError("peers did not converge (seed " + seed + "):\n  "
                    + String.join("\n  ", differences));
        }
    }

    /** Closes every peer. */
    @Override
    public void close() {
        for (Peer p : peers.values()) {
            p.scriber().close();
            p.store().close();
        }
        peers.clear();
    }
}
