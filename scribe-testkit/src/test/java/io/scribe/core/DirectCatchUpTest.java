package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Store;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two peers joined in process by connections that deliver on the sending thread (as the quick start does): the
 * answer to the page asked for ahead arrives while the page before it is being played, and the pages are still
 * played in order.
 */
class DirectCatchUpTest {

    @Test
    void aManyPageCatchUpOverADirectConnectionPlaysEveryPageInOrder() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class).pageSize(50)
                .build();
        Scriber peer = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Note.class).pageSize(50)
                .build();
        for (int i = 0; i < 600; i++) {
            Note n = hub.create(new Note("n" + i, "first " + i, "hub"));
            n.text = "second " + i;
            hub.save(n);
        }
        Session toHub = Peers.direct(peer, hub)[0];
        toHub.sync().get(20, TimeUnit.SECONDS);

        assertThat(peer.all(Note.class)).hasSize(600).allMatch(n -> n.text.startsWith("second "));
        assertThat(peer.store().cursor("hub")).contains(Long.toString(hub.store().lastId()));
        assertThat(toHub.isCaughtUp()).isTrue();
    }

    @Test
    void anObjectCreatedAndDestroyedWithinOnePageEndsDestroyed() throws Exception {
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class).build();
        Scriber peer = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Note.class).build();
        Note gone = hub.create(new Note("gone", "created, then destroyed", "hub"));
        hub.destroy(gone);
        hub.create(new Note("kept", "still here", "hub"));

        // One page holds the create and the destroy: played in one step, the object must not stay alive.
        Peers.direct(peer, hub)[0].sync().get(20, TimeUnit.SECONDS);

        assertThat(peer.find(Note.class, "gone")).isEmpty();
        assertThat(peer.all(Note.class)).extracting(n -> n.id).containsExactly("kept");
        assertThat(peer.store().object("Note", "gone")).get().satisfies(s -> assertThat(s.destroyed()).isTrue());
    }
}
