package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.spi.Store;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Helpers for tests that run several peers in one JVM. */
final class Peers {

    static final ObjectMapper JSON = new ObjectMapper();

    private Peers() {}

    static Scriber peer(String id) {
        return builder(id).build();
    }

    static Scriber.Builder builder(String id) {
        return Scriber.builder().clientId(id).store(Store.inMemory()).register(Task.class).pageSize(4);
    }

    static Scriber peer(String id, Clock clock) {
        return builder(id).clock(clock).build();
    }

    /**
     * Joins two peers in process by connections that deliver on the sending thread (as the quick start does) and
     * returns the session of {@code a} to {@code b}; neither catch-up is started.
     */
    static Session[] direct(Scriber a, Scriber b) {
        java.util.concurrent.atomic.AtomicReference<Session> toB = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Session> toA = new java.util.concurrent.atomic.AtomicReference<>();
        toB.set(a.client(b.id()).connect(direct(toA)));
        toA.set(b.client(a.id()).connect(direct(toB)));
        return new Session[] {toB.get(), toA.get()};
    }

    private static io.scribe.core.spi.Connection direct(java.util.concurrent.atomic.AtomicReference<Session> peer) {
        return new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                peer.get().receiveData(frame);
            }

            @Override
            public void close() {
                peer.get().disconnect();
            }
        };
    }

    /** Every live Task of a peer as sorted text, the form two peers are compared in. */
    static Map<String, String> tasks(Scriber peer) {
        Map<String, String> result = new TreeMap<>();
        for (Task t : peer.all(Task.class)) {
            result.put(t.id(), t.toString());
        }
        return result;
    }

    /** The messages of a given type among delivered frames. */
    static List<JsonNode> ofType(List<String> frames, String type) {
        List<JsonNode> result = new ArrayList<>();
        for (String f : frames) {
            try {
                JsonNode n = JSON.readTree(f);
                if (type.equals(n.path("type").asText())) {
                    result.add(n);
                }
            } catch (Exception e) {
                // not JSON: not of any type
            }
        }
        return result;
    }
}
