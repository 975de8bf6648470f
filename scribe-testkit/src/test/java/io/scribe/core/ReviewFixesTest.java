package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.testkit.Network;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Paths where a careless engine would lose or skip scribes, or let one peer take over the others. */
class ReviewFixesTest {

    @Test
    void aClockFarAheadIsRefusedAndDoesNotDragThePeersClock() {
        List<ScribeException> problems = new ArrayList<>();
        Scriber server = Peers.builder("server").onError(problems::add).build();
        Task t = server.create(new Task("kept", 1));
        Capture wire = new Capture(4);
        Session session = server.client("evil").connect(wire);
        long farAhead = (System.currentTimeMillis() + 10L * 24 * 3600 * 1000) << 16;
        session.receiveData(Capture.frame("{\"type\":\"add_scribe\",\"id\":1,\"scribe\":{\"klass\":\"Task\","
                + "\"type\":\"update\",\"data\":[\"" + t.id() + "\",{\"title\":\"hijacked\"}],\"origin\":\"evil\","
                + "\"clock\":" + farAhead + "}}"));
        assertThat(wire.last().get("code").asInt()).isEqualTo(400);
        assertThat(t.title()).isEqualTo("kept");
        t.setTitle("still mine");
        Scribe next = server.save(t).orElseThrow();
        assertThat(next.clock()).isLessThan(farAhead);
    }

    @Test
    void aSyncroPeerGetsTheWholeLogEvenWhenItDoesNotFitOneFrame() {
        Scriber server = Peers.builder("server").wire(Wire.syncro()).build();
        for (int i = 0; i < 300; i++) {
            server.create(new Task("t" + i + "-" + "x".repeat(1000), i));
        }
        Capture wire = new Capture(2);
        Session session = server.client("ruby").connect(wire, Wire.syncro());
        session.receiveData(Capture.frame(2, "{\"type\":\"sync\",\"from\":null,\"id\":1}".getBytes(StandardCharsets.UTF_8)));
        List<JsonNode> sent = wire.messages();
        int inResponse = sent.get(0).get("result").size();
        long pushed = sent.stream().filter(m -> m.get("type").asText().equals("add_scribe")).count();
        assertThat(inResponse).isPositive().isLessThan(300);
        assertThat(inResponse + pushed).isEqualTo(300);
        // And it is live afterwards.
        server.create(new Task("live", 1));
        assertThat(wire.last().get("type").asText()).isEqualTo("add_scribe");
    }

    @Test
    void aScribeTooLargeForAFrameIsSkippedAndTheCatchUpGoesOn() {
        List<ScribeException> problems = new ArrayList<>();
        // a records with its default wire: the huge scribe is stored, and later cannot reach b.
        Scriber a = Peers.builder("a").onError(problems::add).build();
        Scriber b = Peers.builder("b").wire(Wire.scribe().withMaxFrameBytes(4096)).build();
        a.create(new Task("huge " + "y".repeat(6000), 1));
        Task small = a.create(new Task("small", 2));
        Network net = new Network(new Random(1));
        net.link(a, b, Wire.scribe().withMaxFrameBytes(4096));
        net.settle();
        assertThat(b.all(Task.class)).extracting(Task::id).containsExactly(small.id());
        assertThat(b.client("a").cursor()).contains("2");
        assertThat(problems).anySatisfy(p -> assertThat(p.code()).isEqualTo(413));
    }

    @Test
    void aPageOfHiddenScribesStillMovesTheAskerOn() {
        Scriber server = Peers.peer("server");
        Scriber client = Peers.peer("client");
        Network net = new Network(new Random(2));
        Network.Link link = net.link(client, server);
        server.create(new Task("first", 0));
        net.settle();
        assertThat(client.client("server").cursor()).contains("1");
        for (int i = 0; i < 200; i++) {
            client.create(new Task("mine " + i, i));
        }
        net.settle();
        // A catch-up from after the first scribe: 200 of the asker's own scribes, which it holds, then one of the
        // server's.
        link.cut();
        server.create(new Task("server's", 1));
        int before = link.deliveredToA().size();
        link.reconnect();
        net.settle();
        List<String> delivered = link.deliveredToA();
        List<JsonNode> pages = Peers.ofType(delivered.subList(before, delivered.size()), "response").stream()
                .filter(p -> p.path("result").isArray()).toList();
        assertThat(pages.size()).isGreaterThan(2);
        assertThat(pages.get(0).path("result")).as("a page of scribes the asker holds: none sent").isEmpty();
        assertThat(client.all(Task.class)).extracting(Task::title).contains("server's").hasSize(202);
        assertThat(client.client("server").cursor()).contains("202");
        assertThat(link.isUp()).isTrue();
    }

    /** A store whose next commit with scribes fails once. */
    static final class Flaky extends ForwardingStore {
        boolean failNext;

        Flaky() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (failNext && !commit.scribes().isEmpty()) {
                failNext = false;
                throw new ScribeException(ScribeException.INTERNAL, "disk full");
            }
            return super.commit(commit);
        }
    }

    @Test
    void aPushedScribeThatCouldNotBeStoredIsFetchedAgainAndNeverSkipped() throws Exception {
        Flaky flaky = new Flaky();
        Scriber a = Peers.peer("a");
        Scriber b = Scriber.builder().clientId("b").store(flaky).register(Task.class).onError(e -> { }).build();
        Network net = new Network(new Random(4));
        net.link(a, b);
        net.settle();
        flaky.failNext = true;
        Task lost = a.create(new Task("first, not stored", 1));
        Task next = a.create(new Task("second", 2));
        net.settle();
        assertThat(b.find(Task.class, next.id())).isPresent();
        // The cursor did not move past the scribe that failed.
        assertThat(b.client("a").cursor().map(Long::parseLong).orElse(0L)).isLessThan(2L);
        long deadline = System.currentTimeMillis() + 5000;
        while (b.find(Task.class, lost.id()).isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
            net.settle();
        }
        assertThat(b.find(Task.class, lost.id())).isPresent();
        assertThat(Peers.tasks(b)).isEqualTo(Peers.tasks(a));
    }
}
