package io.scribe.transport.netty;

import static io.scribe.transport.netty.Peers.FAST;
import static io.scribe.transport.netty.Peers.await;
import static io.scribe.transport.netty.Peers.peer;
import static io.scribe.transport.netty.Peers.state;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import org.junit.jupiter.api.Test;

/**
 * Two peers that each hold megabytes the other lacks answer each other's catch-up at once with large pages: each
 * side's channel turns unwritable while the other has not read yet. Both must go on reading, or each waits for the
 * other for ever (and every reconnect meets the same wait).
 */
class MutualCatchUpTest extends ClosingTest {

    @Test
    void twoPeersWithLargeBacklogsForEachOtherCatchUpBothWays() throws Exception {
        Scriber hub = track(peer("hub"));
        Scriber laptop = track(peer("laptop"));
        String big = "x".repeat(32_000);
        for (int i = 0; i < 300; i++) {
            hub.create(new Note("h" + i, big, i));
            laptop.create(new Note("l" + i, big, i));
        }
        ScribeServer server = track(ScribeServer.builder(hub).tcp(0).start());
        track(ScribeClient.tcp(laptop, "127.0.0.1", server.tcpAddress().getPort()).reconnect(FAST).start());

        // About 10 MB each way; without the fix neither side reads again until the unwritable timeout (30 s, more
        // than the wait) drops the connection, and the next connection stalls the same way.
        await("both peers holding all 600 notes", () -> hub.all(Note.class).size() == 600
                && laptop.all(Note.class).size() == 600);
        assertThat(state(laptop).equals(state(hub))).as("the same notes on both").isTrue();
    }
}
