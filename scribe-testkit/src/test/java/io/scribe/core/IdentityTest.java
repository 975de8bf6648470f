package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.testkit.Network;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Identity comes from the session, not from the wire: only trusted relays forward scribes of other origins. */
class IdentityTest {

    private final Network net = new Network(new Random(15));
    private final List<ScribeException> hubProblems = new CopyOnWriteArrayList<>();

    private Scriber hub() {
        return Peers.builder("hub").onError(hubProblems::add).build();
    }

    private static int code(CompletableFuture<JsonNode> answer) {
        return answer.handle((r, e) -> {
            Throwable t = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
            return t instanceof ScribeException se ? se.code() : -1;
        }).join();
    }

    private static ObjectNode addScribe(String origin, String klass, ObjectNode data, long clock) {
        ObjectNode scribe = Json.object().put("id", "1").put("klass", klass).put("type", "create");
        scribe.set("data", data);
        if (origin != null) {
            scribe.put("origin", origin);
        }
        scribe.put("clock", clock);
        ObjectNode message = Json.object().put("type", "add_scribe");
        message.set("scribe", scribe);
        return message;
    }

    private static ObjectNode task(String id, String title) {
        return Json.object().put("id", id).put("title", title).put("done", false).put("priority", 1)
                .set("tags", Json.NODES.arrayNode());
    }

    @Test
    void aScribeNamingAnotherPeerAsOriginIsRefusedWith403AndNeitherStoredNorRelayed() {
        Scriber hub = hub();
        Scriber victim = Peers.peer("victim");
        Scriber other = Peers.peer("other");
        Scriber mallory = Peers.peer("mallory");
        net.link(victim, hub);
        net.link(other, hub);
        Network.Link evil = net.link(mallory, hub);
        net.settle();
        long before = hub.lastScribeId();

        long clock = System.currentTimeMillis() << 16;
        CompletableFuture<JsonNode> answer = evil.sessionA().request(addScribe("victim", "Task", task("t1", "forged"), clock));
        net.settle();

        assertThat(code(answer)).isEqualTo(403);
        assertThat(hub.lastScribeId()).isEqualTo(before);
        assertThat(Peers.tasks(hub)).isEmpty();
        assertThat(Peers.tasks(other)).isEmpty();
        assertThat(hubProblems).anySatisfy(p -> assertThat(p.getMessage()).contains("origin victim"));
        // The session keeps serving.
        CompletableFuture<Void> noop = evil.sessionA().noop();
        net.settle();
        assertThat(noop).isCompleted();
    }

    @Test
    void aScribeWithTheSendersOwnOriginOrNoneIsAcceptedAndAttributedToTheSender() {
        Scriber hub = hub();
        Scriber mallory = Peers.peer("mallory");
        Scriber other = Peers.peer("other");
        Network.Link link = net.link(mallory, hub);
        net.link(other, hub);
        net.settle();
        long clock = System.currentTimeMillis() << 16;

        CompletableFuture<JsonNode> own = link.sessionA().request(addScribe("mallory", "Task", task("t1", "own"), clock));
        CompletableFuture<JsonNode> none = link.sessionA().request(addScribe(null, "Task", task("t2", "none"), clock + 1));
        net.settle();

        assertThat(own.join().path("result").asBoolean()).isTrue();
        assertThat(none.join().path("result").asBoolean()).isTrue();
        assertThat(Peers.tasks(other)).containsOnlyKeys("t1", "t2");
        assertThat(hub.store().readAfter(0, 10)).extracting(Scribe::origin).containsOnly("mallory");
    }

    @Test
    void aTrustedRelayForwardsOtherOriginsAndAChainOfHubsConverges() {
        // Two server nodes: each accepts foreign origins only from the other node.
        Scriber hub1 = Peers.builder("hub1").trustRelays(s -> s.client().id().startsWith("hub")).build();
        Scriber hub2 = Peers.builder("hub2").trustRelays(s -> s.client().id().startsWith("hub")).build();
        Scriber a = Peers.peer("a");
        Scriber b = Peers.peer("b");
        net.link(a, hub1);
        net.link(hub1, hub2);
        net.link(b, hub2);
        net.settle();

        a.create(new Task("from a", 1));
        b.create(new Task("from b", 2));
        net.settle();

        assertThat(Peers.tasks(a)).hasSize(2).isEqualTo(Peers.tasks(b)).isEqualTo(Peers.tasks(hub1))
                .isEqualTo(Peers.tasks(hub2));
        // Origins survive the relays.
        assertThat(b.store().readAfter(0, 10)).extracting(Scribe::origin).contains("a", "b");
    }

    @Test
    void aClientThatReconnectsSendsItsHubNoneOfTheScribesItWasRelayed() {
        Scriber hub = hub();
        Scriber alice = Peers.peer("alice");
        Scriber bob = Peers.peer("bob");
        Network.Link aliceLink = net.link(alice, hub);
        net.link(bob, hub);
        net.settle();
        for (int i = 0; i < 6; i++) {
            bob.create(new Task("from bob " + i, i));
        }
        net.settle();
        assertThat(Peers.tasks(alice)).hasSize(6);
        int before = aliceLink.deliveredToB().size();

        // alice only read since her last write: the hub's cursor in her log is before bob's six scribes.
        aliceLink.reconnect();
        alice.create(new Task("from alice", 9));
        net.settle();

        // The hub's catch-up from alice carried none of bob's scribes back, so it refused none of them.
        assertThat(hubProblems).isEmpty();
        List<String> fromAlice = aliceLink.deliveredToB().subList(before, aliceLink.deliveredToB().size());
        // (A scribe of bob's as sent; her sync may name one as what she read at her position, "at".)
        assertThat(fromAlice).isNotEmpty().noneSatisfy(f -> assertThat(f).contains("\"origin\":\"bob\",\"clock\""));
        assertThat(Peers.tasks(hub)).hasSize(7).isEqualTo(Peers.tasks(alice)).isEqualTo(Peers.tasks(bob));
    }

    @Test
    void aHubThatTrustsAClientAsARelayStillGetsTheScribesItRelaysInCatchUp() {
        // carol reaches the hub only through alice, which the hub trusts as a relay.
        Scriber hub = Peers.builder("hub").onError(hubProblems::add)
                .trustRelays(s -> s.client().id().equals("alice")).build();
        Scriber alice = Peers.peer("alice");
        Scriber carol = Peers.peer("carol");
        Network.Link aliceLink = net.link(alice, hub);
        net.link(carol, alice);
        net.settle();
        aliceLink.cut();
        carol.create(new Task("from carol", 3));
        net.settle();
        assertThat(Peers.tasks(alice)).hasSize(1);

        aliceLink.reconnect();
        net.settle();

        assertThat(hubProblems).isEmpty();
        assertThat(Peers.tasks(hub)).hasSize(1).isEqualTo(Peers.tasks(carol));
    }

    @Test
    void anUntrustedNodeCannotForwardOtherOrigins() {
        Scriber hub1 = hub();
        Scriber hub2 = Peers.peer("hub2");
        Scriber a = Peers.peer("a");
        net.link(a, hub2);
        // hub2 connects to hub1, which trusts no relay: hub2 may introduce only its own scribes there.
        net.link(hub2, hub1);
        net.settle();

        a.create(new Task("from a", 1));
        hub2.create(new Task("from hub2", 2));
        net.settle();

        assertThat(Peers.tasks(hub1).values()).extracting(v -> v.split(" title=")[1].split(" done")[0])
                .containsExactly("from hub2");
        assertThat(hubProblems).anySatisfy(p -> assertThat(p.code()).isEqualTo(403));
    }

    @Test
    void aCreateReusingAnotherPeersIdentityWithStampsAheadChangesNothingAndIsAConflict() {
        List<Conflict> conflicts = new CopyOnWriteArrayList<>();
        Scriber hub = Peers.builder("hub").onError(hubProblems::add).onConflict(conflicts::add).build();
        Scriber owner = Peers.peer("owner");
        Scriber mallory = Peers.peer("mallory");
        net.link(owner, hub);
        Network.Link evil = net.link(mallory, hub);
        net.settle();
        Task mine = owner.create(new Task("t1", "the owner's", 3));
        net.settle();
        String before = Peers.tasks(hub).get("t1");

        // Its own origin, a clock ten minutes ahead (within the allowed skew): newer than every field.
        long ahead = (System.currentTimeMillis() + 600_000) << 16;
        evil.sessionA().request(addScribe("mallory", "Task", task("t1", "taken over"), ahead));
        net.settle();

        assertThat(Peers.tasks(hub).get("t1")).isEqualTo(before);
        assertThat(owner.find(Task.class, "t1").orElseThrow().title()).isEqualTo("the owner's");
        assertThat(conflicts).anySatisfy(c -> assertThat(c.id()).isEqualTo("t1"));
        // The owner can still write it.
        mine.setTitle("still mine");
        owner.save(mine);
        net.settle();
        assertThat(hub.find(Task.class, "t1").orElseThrow().title()).isEqualTo("still mine");
    }

    @Test
    void twoPeersCreatingTheSameIdentityOfflineStillConverge() {
        Scriber hub = hub();
        Scriber a = Peers.peer("a");
        Scriber b = Peers.peer("b");
        a.create(new Task("same", "a's", 1));
        b.create(new Task("same", "b's", 2));
        net.link(a, hub);
        net.link(b, hub);
        net.settle();
        assertThat(Peers.tasks(a)).hasSize(1).isEqualTo(Peers.tasks(b)).isEqualTo(Peers.tasks(hub));
    }

    @Test
    void clientIdsStartingWithATildeAreRefusedWith400ForTheyNameThePeersOwnRecords() {
        Scriber hub = Peers.peer("hub");
        for (String reserved : java.util.List.of("~acknowledged/a", "~compacted", "~")) {
            assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> hub.client(reserved), ScribeException.class).code()).isEqualTo(400);
        }
        assertThat(hub.clientCount()).isZero();
        assertThat(hub.client("a~b").id()).isEqualTo("a~b");
    }

    @Test
    void clientIdsThatNoStoreKeyCanHoldAreRefusedWith400() {
        Scriber hub = Peers.peer("hub");
        for (String bad : java.util.List.of("", "a\u0000b", "tab\there", "x".repeat(Scriber.MAX_CLIENT_ID + 1),
                "half\ud83d", "\ude00half")) {
            ScribeException e = org.assertj.core.api.Assertions.catchThrowableOfType(
                    () -> hub.client(bad), ScribeException.class);
            assertThat(e).as("client id of %d chars", bad.length()).isNotNull();
            assertThat(e.code()).isEqualTo(400);
            assertThat(e.getMessage()).doesNotContain("\u0000");
        }
        assertThat(hub.clientCount()).isZero();
        for (String good : java.util.List.of("c-359f2c3e-17e5-478d-bb87-ec92db79eb43", "ann@example.com",
                "syncro-127.0.0.1:50000-0a1b2c3d4e5f6789", "caf\u00e9 \ud83d\ude00", "x".repeat(Scriber.MAX_CLIENT_ID))) {
            assertThat(hub.client(good).id()).isEqualTo(good);
        }
    }
}
