package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.internal.Json;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KeyMergeTest {

    private final Network net = new Network(new Random(5));
    private final List<Conflict> conflicts = new ArrayList<>();

    private Scriber peer(String id, Resolver resolver) {
        return Scriber.builder().clientId(id).store(Store.inMemory())
                .register(Sheet.class, Policy.<Sheet>defaults().withKeyMerge("cells").withResolver(resolver))
                .onConflict(conflicts::add)
                .build();
    }

    /** A hub and two peers linked to it, each holding sheet s1, created on a. */
    private record Hub(Scriber hub, Scriber a, Scriber b, Network.Link la, Network.Link lb, Sheet onA, Sheet onB) {}

    private Hub hubOfTwo(Resolver resolver) {
        Scriber hub = peer("server", resolver);
        Scriber a = peer("a", resolver);
        Scriber b = peer("b", resolver);
        Network.Link la = net.link(a, hub);
        Network.Link lb = net.link(b, hub);
        Sheet onA = a.create(new Sheet("s1", "t"));
        net.settle();
        return new Hub(hub, a, b, la, lb, onA, b.find(Sheet.class, "s1").orElseThrow());
    }

    /** {@code rule} on the peer "server", last writer wins on every other. */
    private static Resolver atServer(Resolver rule) {
        Resolver lww = Resolver.lastWriterWins();
        return new Resolver() {
            @Override
            public boolean replaces(io.scribe.core.spi.Stamp current, io.scribe.core.spi.Stamp incoming) {
                return lww.replaces(current, incoming);
            }

            @Override
            public Resolver on(String peerId) {
                return peerId.equals("server") ? rule : this;
            }
        };
    }

    @Test
    void anUpdateCarriesOnlyTheChangedKeysAsAMergePatch() {
        Scriber a = peer("a", Resolver.lastWriterWins());
        Sheet s = a.create(new Sheet("s1", "t"));
        s.cells.put("x", 1).put("y", 2);
        a.save(s);
        s.cells.put("x", 3);
        s.cells.remove("y");
        Scribe update = a.save(s).orElseThrow();
        assertThat(update.data().get(1).toString()).isEqualTo("{\"cells\":{\"x\":3,\"y\":null}}");
        assertThat(update.base()).containsOnlyKeys("cells/x", "cells/y");
    }

    @Test
    void concurrentEditsOfDifferentKeysBothSurviveThroughAServerWinsHub() {
        Scriber hub = peer("server", Resolver.serverWins("server"));
        Scriber a = peer("a", Resolver.serverWins("server"));
        Scriber b = peer("b", Resolver.serverWins("server"));
        net.link(a, hub);
        net.link(b, hub);
        Sheet onA = a.create(new Sheet("s1", "t"));
        onA.cells.put("shared", 0);
        a.save(onA);
        net.settle();
        Sheet onB = b.find(Sheet.class, "s1").orElseThrow();

        onA.cells.put("left", "a");
        a.save(onA);
        onB.cells.put("right", "b");
        onB.cells.remove("shared");
        b.save(onB);
        net.settle();

        for (Scriber p : List.of(a, b, hub)) {
            assertThat(p.find(Sheet.class, "s1").orElseThrow().cells)
                    .isEqualTo(Peers.JSON.createObjectNode().put("left", "a").put("right", "b"));
        }
        assertThat(conflicts).isEmpty();
    }

    @Test
    void aConcurrentWriteToTheSameKeyIsAConflictTheServerResolvesAndReports() {
        // The hub keeps the first write it saw: a write not based on it loses.
        Resolver arbiter = atServer((current, incoming) ->
                (incoming.origin().equals(current.origin()) || incoming.base() >= current.clock())
                        && incoming.compareTo(current) > 0);
        Hub t = hubOfTwo(arbiter);

        t.onA().cells.put("k", "from a");
        t.a().save(t.onA());
        t.la().settle();
        t.onB().cells.put("k", "from b");
        t.b().save(t.onB());
        net.settle();

        for (Scriber p : List.of(t.a(), t.b(), t.hub())) {
            assertThat(p.find(Sheet.class, "s1").orElseThrow().cells.path("k").asText()).isEqualTo("from a");
        }
        Sheet onHub = t.hub().find(Sheet.class, "s1").orElseThrow();
        List<Conflict> atHub = conflicts.stream().filter(c -> c.object() == onHub).toList();
        assertThat(atHub).hasSize(1);
        Conflict c = atHub.get(0);
        assertThat(c.scribe().origin()).isEqualTo("b");
        assertThat(c.lost().toString()).isEqualTo("{\"cells\":{\"k\":\"from b\"}}");
        assertThat(c.kept().toString()).isEqualTo("{\"cells\":{\"k\":\"from a\"}}");
        assertThat(t.lb().isUp()).isTrue();
    }

    @Test
    void aWriteTheHubTakesThoughOlderThanTheValueItReplacesIsReassertedAndEveryPeerEndsWithIt() throws Exception {
        // The hub takes every write of a peer, older or not; the others apply last writer wins. A write the hub takes
        // that is older than the value it replaced would be refused by the others: the hub re-asserts it.
        Resolver arbiter = atServer((current, incoming) -> true);
        Hub t = hubOfTwo(arbiter);

        t.lb().cut();
        t.onB().cells.put("k", "from b");
        t.onB().title = "by b";
        t.b().save(t.onB());
        Thread.sleep(5);
        t.onA().cells.put("k", "from a");
        t.onA().title = "by a";
        t.a().save(t.onA());
        t.la().settle();
        t.lb().reconnect();
        net.settle();

        for (Scriber p : List.of(t.a(), t.b(), t.hub())) {
            Sheet s = p.find(Sheet.class, "s1").orElseThrow();
            assertThat(s.cells.path("k").asText()).as(p.id()).isEqualTo("from b");
            assertThat(s.title).as(p.id()).isEqualTo("by b");
        }
    }

    @Test
    void anOldWriteDeliveredAgainAfterItWasOverwrittenIsNotAConflict() {
        Scriber hub = peer("server", Resolver.serverWins("server"));
        Scriber a = peer("a", Resolver.serverWins("server"));
        Network.Link la = net.link(a, hub);
        Sheet onA = a.create(new Sheet("s1", "t"));
        net.settle();
        Sheet onHub = hub.find(Sheet.class, "s1").orElseThrow();
        onHub.title = "by the hub";
        hub.save(onHub);
        net.settle();
        // The create is delivered again (a lost cursor): older than the hub's value, written before it was seen.
        la.cut();
        hub.client("a").connect(new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {}

            @Override
            public void close() {}
        }).receiveMessage("{\"type\":\"add_scribe\",\"id\":1,\"scribe\":"
                + Json.toJson(a.store().readAfter(0, 1).get(0)) + "}");
        assertThat(hub.find(Sheet.class, "s1").orElseThrow().title).isEqualTo("by the hub");
        assertThat(conflicts).isEmpty();
    }

    @Test
    void onlyJsonObjectFieldsCanMergeKeyByKey() {
        assertThatThrownBy(() -> Scriber.builder().clientId("x").store(Store.inMemory())
                .register(Sheet.class, Policy.<Sheet>defaults().withKeyMerge("title")).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("title");
    }
}
