package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.ThrottledLog;
import io.scribe.testkit.Network;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The work one peer can make another do is bounded, and what it repeats is not repeated in the log. */
class BoundsTest {

    private final Network net = new Network(new Random(4));

    private static int code(CompletableFuture<JsonNode> answer) {
        return answer.handle((r, e) -> {
            Throwable t = e instanceof CompletionException ? e.getCause() : e;
            return t instanceof ScribeException se ? se.code() : 0;
        }).join();
    }

    @Test
    void aSyncWithoutALimitOrWithAHugeOneGetsOnePageOfThePageSizeAtMost() {
        Scriber hub = Peers.peer("hub");
        for (int i = 0; i < 20; i++) {
            hub.create(new Task("t" + i, i));
        }
        Scriber asker = Peers.peer("asker");
        Network.Link link = net.link(asker, hub);
        net.settle();

        CompletableFuture<JsonNode> none = link.sessionA().request(Json.object().put("type", "sync").putNull("from"));
        CompletableFuture<JsonNode> huge = link.sessionA().request(
                Json.object().put("type", "sync").putNull("from").put("limit", Integer.MAX_VALUE));
        CompletableFuture<JsonNode> zero = link.sessionA().request(
                Json.object().put("type", "sync").putNull("from").put("limit", 0));
        net.settle();

        for (CompletableFuture<JsonNode> answer : List.of(none, huge, zero)) {
            JsonNode r = answer.join();
            assertThat(r.path("result").size()).isEqualTo(4);
            assertThat(r.path("more").asBoolean()).isTrue();
        }
    }

    @Test
    void requestsOverTheSessionsRateAreAnswered429AndTheSessionKeepsServing() {
        // Practically no refill: three requests at once, then none.
        Scriber hub = Peers.builder("hub").requestRate(0.0001, 3).onError(e -> { }).build();
        Scriber asker = Peers.builder("asker").onError(e -> { }).build();
        Network.Link link = net.link(asker, hub);
        net.settle();

        List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(link.sessionA().request(Json.object().put("type", "sync").putNull("from")));
        }
        CompletableFuture<Void> noop = link.sessionA().noop();
        net.settle();

        // The link's own catch-up took one of the three.
        List<Integer> codes = answers.stream().map(BoundsTest::code).toList();
        assertThat(codes).containsOnly(0, 429);
        assertThat(codes.stream().filter(c -> c == 429)).hasSize(8);
        assertThat(noop).isCompleted();
        // Writes are not rate-limited: the peer's changes still arrive.
        Task t = asker.create(new Task("still replicated", 1));
        net.settle();
        assertThat(hub.find(Task.class, t.id())).isPresent();
    }

    @Test
    void pushesLeftUnansweredByAPeerThatResetsAreNotReportedOneByOne() {
        List<ScribeException> problems = new CopyOnWriteArrayList<>();
        Scriber hub = Peers.builder("hub").onError(problems::add).build();
        Scriber peer = Peers.peer("peer");
        Network.Link link = net.link(peer, hub);
        net.settle();
        for (int i = 0; i < 50; i++) {
            hub.create(new Task("pushed " + i, i));
        }
        assertThat(link.sessionB().pendingRequests()).isEqualTo(50);

        link.cut();

        assertThat(problems).isEmpty();
        // Nothing is lost: the peer catches up on reconnect.
        link.reconnect();
        net.settle();
        assertThat(Peers.tasks(peer)).hasSize(50);
    }

    @Test
    void aRepeatedWarningIsWrittenOncePerIntervalWithTheCountOfThoseSuppressed() {
        AtomicLong now = new AtomicLong();
        ThrottledLog throttled = new ThrottledLog(LoggerFactory.getLogger(BoundsTest.class), Duration.ofSeconds(10),
                now::get);
        List<String> written = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String line = throttled.admit("/10.0.0.1:" + (40000 + i) + ": Connection reset by peer; closing");
            if (line != null) {
                written.add(line);
            }
        }
        String other = throttled.admit("/10.0.0.1:1: handshake failed [400]: hello expected");
        now.addAndGet(Duration.ofSeconds(11).toNanos());
        String next = throttled.admit("/10.0.0.1:50000: Connection reset by peer; closing");

        assertThat(written).singleElement().asString().contains("40000");
        assertThat(other).isNotNull();
        assertThat(next).contains("999 more like it suppressed");
    }
}
