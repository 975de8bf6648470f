package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.ObjectState;
import io.scribe.testkit.Network;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Scriber.republish: an object sent again to peers its policy has just started to let see it. */
class RepublishTest {

    private final Network net = new Network(new Random(11));

    @Test
    void aPeerNewlyAllowedGetsTheObjectLiveAndOnCatchUpAndHoldersEndWithTheSameStamps() {
        Scriber hub = Peers.builder("server").register(Note.class, Policy.<Note>defaults()
                .withRecipients((note, client) -> note.owner.contains(client))).build();
        Scriber a = Peers.builder("a").register(Note.class).build();
        Scriber b = Peers.builder("b").register(Note.class).build();
        net.link(a, hub);
        Network.Link bLink = net.link(b, hub);
        net.settle();
        Note onHub = hub.create(new Note("n1", "first", "a"));
        onHub.text = "second";
        hub.save(onHub);
        net.settle();
        assertThat(b.find(Note.class, "n1")).isEmpty();

        // The owner list grows: later updates alone would not reach b (it does not hold the note).
        onHub.owner = "a,b";
        hub.save(onHub);
        net.settle();
        assertThat(b.find(Note.class, "n1")).isEmpty();
        Scribe resent = hub.republish(onHub).orElseThrow();
        assertThat(resent.type()).isEqualTo(Scribe.Type.CREATE);
        net.settle();
        assertThat(b.find(Note.class, "n1")).get().extracting(n -> n.text, n -> n.owner)
                .containsExactly("second", "a,b");
        ObjectState onServer = hub.store().object("Note", "n1").orElseThrow();
        assertThat(a.store().object("Note", "n1").orElseThrow().stamps()).isEqualTo(onServer.stamps());
        assertThat(b.store().object("Note", "n1").orElseThrow().stamps()).isEqualTo(onServer.stamps());
        // The new stamps name the clock they replaced as their base.
        assertThat(onServer.stamps().get("text").base()).isPositive();

        // b, started again from an empty store, gets it on catch-up.
        bLink.cut();
        Scriber late = Peers.builder("b").register(Note.class).build();
        net.link(late, hub);
        net.settle();
        assertThat(late.find(Note.class, "n1")).get().extracting(n -> n.text).isEqualTo("second");
    }

    @Test
    void anObjectAPeerCreatedIsRepublishedByTheHubAndTheCreatorTakesTheNewStamps() {
        Scriber hub = Peers.builder("server").register(Note.class, Policy.<Note>defaults()
                .withRecipients((note, client) -> note.owner.contains(client))).build();
        Scriber a = Peers.builder("a").register(Note.class).build();
        Scriber b = Peers.builder("b").register(Note.class).build();
        net.link(a, hub);
        net.link(b, hub);
        net.settle();
        a.create(new Note("n2", "made by a", "a"));
        net.settle();
        Note onHub = hub.find(Note.class, "n2").orElseThrow();
        onHub.owner = "a,b";
        hub.save(onHub);
        hub.republish(onHub).orElseThrow();
        net.settle();
        ObjectState onServer = hub.store().object("Note", "n2").orElseThrow();
        // a created n2: a create from the hub naming a's creation stamp as its base is not a foreign create.
        assertThat(a.store().object("Note", "n2").orElseThrow().stamps()).isEqualTo(onServer.stamps());
        assertThat(b.find(Note.class, "n2")).get().extracting(n -> n.text, n -> n.owner)
                .containsExactly("made by a", "a,b");
    }
}
