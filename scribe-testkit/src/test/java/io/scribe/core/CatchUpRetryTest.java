package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.Network;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A catch-up that fails (its page request is not answered within the request timeout) is started again while the
 * session lives: until one finishes, the peer's pushes cannot move its cursor, and a client waiting for its changes
 * to be acknowledged would wait until it reconnects.
 */
class CatchUpRetryTest {

    @Test
    void aCatchUpWhosePageTimedOutIsStartedAgainAndPushesMoveTheCursorAfterIt() throws Exception {
        Scriber hub = Peers.builder("hub").requestTimeout(Duration.ofMillis(200)).onError(e -> { }).build();
        Scriber a = Peers.builder("a").build();
        Network net = new Network(new Random(1));
        Network.Link link = net.link(a, hub);
        Session hubSide = link.sessionB();
        // The hub's first page request waits, unanswered, past the request timeout.
        Thread.sleep(600);
        assertThat(hubSide.catchUp()).isCompletedExceptionally();

        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!hubSide.isCaughtUp() && System.nanoTime() < deadline) {
            net.settle();
            Thread.sleep(20);
        }
        assertThat(hubSide.isCaughtUp()).as("the hub caught up with a on a second try").isTrue();

        a.create(new Task("t1", "after the retry", 1));
        net.settle();
        assertThat(hub.find(Task.class, "t1")).isPresent();
        assertThat(hub.store().cursor("a")).as("the push moved a's cursor on the hub")
                .contains(a.store().readAfter(0, 10).get(0).id());
    }
}
