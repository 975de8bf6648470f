package io.scribe.core;

import static io.scribe.core.Peers.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.ObjectState;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A write the server refuses for good is undone on the peer that made it: the server tells it ({@code refused}) with
 * its own state of the object, and the writer ends where every other peer is.
 */
class RefusedWriteTest {

    private final Network net = new Network(new Random(3));
    private final List<ScribeException> problems = new ArrayList<>();

    /** Clients may edit a note's text, create notes they own, and neither delete notes nor change their owner. */
    private Scriber hub() {
        return Peers.builder("server").register(Note.class, Policy.<Note>defaults().withAuthorizer((s, client) ->
                switch (s.type()) {
                    case DESTROY -> false;
                    case CREATE -> s.data().path("owner").asText().equals(client);
                    case UPDATE -> !s.data().path(1).has("owner");
                })).onError(problems::add).build();
    }

    private static Scriber client(String id) {
        return Peers.builder(id).register(Note.class).onError(e -> { }).build();
    }

    private static Note note(Scriber peer, String id) {
        return peer.find(Note.class, id).orElse(null);
    }

    @Test
    void aRefusedPushIsAcknowledgedSoNothingStaysPendingOnTheWriter() {
        Scriber hub = hub();
        Scriber b = client("b");
        Network.Link link = net.link(b, hub);
        net.settle();
        hub.create(new Note("n1", "shared", "server"));
        net.settle();

        b.destroy(note(b, "n1"));
        net.settle();

        assertThat(problems).extracting(ScribeException::code).contains(403);
        String refused = b.store().readAfter(0, 10).stream().filter(s -> "b".equals(s.origin())).findFirst()
                .orElseThrow().id();
        // Without another push or a new catch-up, the server's cursor passes the refused scribe, and the writer
        // counts nothing pending.
        assertThat(hub.store().cursor("b")).contains(refused);
        assertThat(b.client("server").pending()).isZero();
        assertThat(link.isUp()).isTrue();
    }

    @Test
    void aRefusedDeleteBringsTheObjectBackOnTheWriter() {
        Scriber hub = hub();
        Scriber a = client("a");
        Scriber b = client("b");
        net.link(a, hub);
        Network.Link link = net.link(b, hub);
        net.settle();
        hub.create(new Note("n1", "shared", "server"));
        net.settle();

        b.destroy(note(b, "n1"));
        assertThat(note(b, "n1")).isNull();
        net.settle();

        assertThat(problems).extracting(ScribeException::code).contains(403);
        Note back = note(b, "n1");
        assertThat(back).isNotNull();
        assertThat(back.text).isEqualTo("shared");
        assertThat(back.owner).isEqualTo("server");
        ObjectState stored = b.store().object("Note", "n1").orElseThrow();
        assertThat(stored.destroyed()).isFalse();
        assertThat(stored.stamps()).isEqualTo(hub.store().object("Note", "n1").orElseThrow().stamps());
        assertThat(note(a, "n1").text).isEqualTo("shared");
        // What told it: the server's request, with the error and the server's state.
        List<JsonNode> notices = ofType(link.deliveredToA(), "refused");
        assertThat(notices).hasSize(1);
        assertThat(notices.get(0).path("write").asText()).isEqualTo("destroy");
        assertThat(notices.get(0).path("code").asInt()).isEqualTo(403);
        assertThat(notices.get(0).path("current").path("fields").path("text").asText()).isEqualTo("shared");

        // The object lives on as before: the server's later edits reach b.
        Note onHub = note(hub, "n1");
        onHub.text = "edited on the server";
        hub.save(onHub);
        net.settle();
        assertThat(note(b, "n1").text).isEqualTo("edited on the server");
    }

    @Test
    void aRefusedUpdateTakesTheServersValuesAndLeavesLaterWritesAlone() {
        Scriber hub = hub();
        Scriber b = client("b");
        net.link(b, hub);
        net.settle();
        hub.create(new Note("n1", "shared", "server"));
        net.settle();

        Note n = note(b, "n1");
        n.owner = "b";
        b.save(n);
        n.text = "written after";
        b.save(n);
        net.settle();

        assertThat(note(b, "n1").owner).isEqualTo("server");
        assertThat(note(b, "n1").text).isEqualTo("written after");
        assertThat(note(hub, "n1").text).isEqualTo("written after");
        assertThat(Json.toJson(b.store().object("Note", "n1").orElseThrow()))
                .isEqualTo(Json.toJson(hub.store().object("Note", "n1").orElseThrow()));
    }

    @Test
    void writesRefusedInTheServersCatchUpAreUndoneToo() {
        Scriber hub = hub();
        Scriber b = client("b");
        Network.Link link = net.link(b, hub);
        net.settle();
        hub.create(new Note("n1", "one", "server"));
        hub.create(new Note("n2", "two", "server"));
        net.settle();

        link.cut();
        b.destroy(note(b, "n1"));
        Note two = note(b, "n2");
        two.owner = "b";
        two.text = "both at once";
        b.save(two);
        b.create(new Note("mine", "kept", "b"));
        b.create(new Note("theirs", "not allowed", "server"));
        link.reconnect();
        net.settle();

        assertThat(note(b, "n1")).isNotNull().extracting(x -> x.text).isEqualTo("one");
        assertThat(note(b, "n2").owner).isEqualTo("server");
        assertThat(note(b, "n2").text).isEqualTo("two");
        assertThat(note(hub, "mine").text).isEqualTo("kept");
        assertThat(note(b, "mine").text).isEqualTo("kept");
        // A create the server refused and holds nothing of goes on the writer.
        assertThat(note(hub, "theirs")).isNull();
        assertThat(note(b, "theirs")).isNull();
        assertThat(b.all(Note.class)).extracting(x -> x.id).containsExactlyInAnyOrder("n1", "n2", "mine");
    }

    @Test
    void aPeerThatMayNotWriteTheObjectCannotUndoAnything() {
        Scriber p = Peers.builder("p").register(Note.class,
                Policy.<Note>defaults().withAuthorizer((s, client) -> !client.equals("mallory"))).build();
        Note n = p.create(new Note("n1", "mine", "p"));
        p.destroy(n);
        ObjectState before = p.store().object("Note", "n1").orElseThrow();
        long clock = before.tombstone().clock();
        String revive = "{\"type\":\"refused\",\"id\":7,\"klass\":\"Note\",\"object\":\"n1\",\"write\":\"destroy\","
                + "\"clock\":" + clock + ",\"code\":403,\"message\":\"no\",\"current\":{\"klass\":\"Note\","
                + "\"id\":\"n1\",\"fields\":{\"id\":\"n1\",\"text\":\"forged\",\"owner\":\"mallory\"},\"stamps\":{}}}";

        Capture out = new Capture(4);
        Session mallory = p.client("mallory").connect(out);
        mallory.trustAsRelay();
        mallory.receiveMessage(revive);
        assertThat(out.last().path("type").asText()).isEqualTo("error");
        assertThat(out.last().path("code").asInt()).isEqualTo(403);
        assertThat(p.find(Note.class, "n1")).isEmpty();
        assertThat(p.store().object("Note", "n1").orElseThrow()).isEqualTo(before);

        // One that may write it, naming a write this peer did not make (another clock), changes nothing either.
        Capture out2 = new Capture(4);
        Session other = p.client("other").connect(out2);
        other.trustAsRelay();
        other.receiveMessage(revive.replace("\"clock\":" + clock, "\"clock\":" + (clock + 1)));
        assertThat(out2.last().path("result").asBoolean()).isTrue();
        assertThat(p.find(Note.class, "n1")).isEmpty();

        // Malformed requests are refused with 400 and the session goes on.
        other.receiveMessage("{\"type\":\"refused\",\"id\":8,\"klass\":\"Note\",\"object\":\"n1\",\"write\":\"x\"}");
        assertThat(out2.last().path("code").asInt()).isEqualTo(400);
        other.receiveMessage("{\"type\":\"noop\",\"id\":9}");
        assertThat(out2.last().path("result").asBoolean()).isTrue();
    }

    @Test
    void aClientCannotUndoItsServersWrites() {
        Scriber server = Peers.builder("server").register(Note.class).build();
        Note n = server.create(new Note("n1", "the server's", "server"));
        server.destroy(n);
        ObjectState before = server.store().object("Note", "n1").orElseThrow();
        Capture out = new Capture(4);
        // The client's session on its server: not a trusted relay.
        Session client = server.client("client").connect(out);
        client.receiveMessage("{\"type\":\"refused\",\"id\":3,\"klass\":\"Note\",\"object\":\"n1\","
                + "\"write\":\"destroy\",\"clock\":" + before.tombstone().clock() + ",\"code\":403,\"message\":\"x\","
                + "\"current\":{\"klass\":\"Note\",\"id\":\"n1\",\"fields\":{\"id\":\"n1\",\"text\":\"planted\"},"
                + "\"stamps\":{}}}");
        assertThat(out.last().path("code").asInt()).isEqualTo(403);
        assertThat(server.find(Note.class, "n1")).isEmpty();
        assertThat(server.store().object("Note", "n1").orElseThrow()).isEqualTo(before);
    }

    @Test
    void aRefusedKeyOfAMergedFieldGoesBackAndALaterKeyStays() {
        // Clients may not write the cell "locked".
        Scriber hub = Peers.builder("server").register(Sheet.class, Policy.<Sheet>defaults().withKeyMerge("cells")
                .withAuthorizer((s, client) -> !s.data().path(1).path("cells").has("locked"))).onError(e -> { })
                .build();
        Scriber b = Peers.builder("b").register(Sheet.class, Policy.<Sheet>defaults().withKeyMerge("cells"))
                .onError(e -> { }).build();
        net.link(b, hub);
        net.settle();
        Sheet onHub = new Sheet("s1", "sheet");
        onHub.cells.put("locked", "server value");
        hub.create(onHub);
        net.settle();

        Sheet mine = b.find(Sheet.class, "s1").orElseThrow();
        mine.cells.put("locked", "changed by b");
        b.save(mine);
        mine.cells.put("free", "written after");
        b.save(mine);
        net.settle();

        Sheet back = b.find(Sheet.class, "s1").orElseThrow();
        assertThat(back.cells.path("locked").asText()).isEqualTo("server value");
        assertThat(back.cells.path("free").asText()).isEqualTo("written after");
        assertThat(hub.find(Sheet.class, "s1").orElseThrow().cells.path("free").asText()).isEqualTo("written after");
        assertThat(Json.toJson(b.store().object("Sheet", "s1").orElseThrow()).path("fields"))
                .isEqualTo(Json.toJson(hub.store().object("Sheet", "s1").orElseThrow()).path("fields"));
    }
}
