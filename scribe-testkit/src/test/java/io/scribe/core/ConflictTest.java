package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.Network;
import io.scribe.testkit.TestNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Concurrent offline edits through a hub: who hears of the conflict, and what it says. */
class ConflictTest {

    private final TestNetwork net = new TestNetwork(7);
    private final Map<String, List<Conflict>> heard = Map.of("hub", new ArrayList<>(), "a", new ArrayList<>(),
            "b", new ArrayList<>());

    @AfterEach
    void close() {
        net.close();
    }

    private Scriber peer(String id) {
        return net.peer(id, b -> b.register(Note.class).onConflict(heard.get(id)::add));
    }

    @Test
    void thePeerWhoseOfflineEditLostIsToldWhenTheWinningEditArrives() {
        Scriber hub = peer("hub");
        Scriber a = peer("a");
        Scriber b = peer("b");
        Network.Link la = net.link(a, hub);
        Network.Link lb = net.link(b, hub);
        Note n = a.create(new Note("n1", "first", "a"));
        net.settle();
        Note onB = b.find(Note.class, "n1").orElseThrow();

        la.cut();
        lb.cut();
        n.text = "edited on a";
        a.save(n);
        net.clock().advance(10);
        onB.text = "edited on b";
        b.save(onB);

        // a comes back first: the hub takes a's edit. Then b's newer edit wins everywhere.
        la.reconnect();
        net.settle();
        lb.reconnect();
        net.assertConverged();
        assertThat(n.text).isEqualTo("edited on b");

        assertThat(heard.get("a")).singleElement().satisfies(c -> {
            assertThat(c.lostBy("a")).isTrue();
            assertThat(c.loser()).isEqualTo("a");
            assertThat(c.winner()).isEqualTo("b");
            assertThat(c.id()).isEqualTo("n1");
            assertThat(c.object()).isSameAs(n);
            assertThat(c.lost().toString()).isEqualTo("{\"text\":\"edited on a\"}");
            assertThat(c.kept().toString()).isEqualTo("{\"text\":\"edited on b\"}");
            assertThat(c.scribe().origin()).isEqualTo("b");
        });
        // b refused a's older write when it caught up: reported there as a refusal, which b's user lost nothing by.
        assertThat(heard.get("b")).singleElement().satisfies(c -> {
            assertThat(c.lostBy("b")).isFalse();
            assertThat(c.loser()).isEqualTo("a");
            assertThat(c.winner()).isEqualTo("b");
        });
        // The hub neither refused a write (b's came later and newer) nor had one of its own overwritten.
        assertThat(heard.get("hub")).isEmpty();
    }

    @Test
    void aLosingEditThatReachesTheHubLastIsReportedThereAndToItsAuthor() {
        Scriber hub = peer("hub");
        Scriber a = peer("a");
        Scriber b = peer("b");
        Network.Link la = net.link(a, hub);
        Network.Link lb = net.link(b, hub);
        a.create(new Note("n1", "first", "a"));
        net.settle();
        Note onB = b.find(Note.class, "n1").orElseThrow();

        la.cut();
        lb.cut();
        onB.text = "edited on b";
        b.save(onB);
        net.clock().advance(10);
        Note onA = a.find(Note.class, "n1").orElseThrow();
        onA.text = "edited on a";
        onA.owner = "a2";
        a.save(onA);

        la.reconnect();
        net.settle();
        lb.reconnect();
        net.assertConverged();
        assertThat(onB.text).isEqualTo("edited on a");
        assertThat(onB.owner).isEqualTo("a2");

        assertThat(heard.get("hub")).singleElement().satisfies(c -> {
            assertThat(c.loser()).isEqualTo("b");
            assertThat(c.winner()).isEqualTo("a");
            assertThat(c.lost().toString()).isEqualTo("{\"text\":\"edited on b\"}");
            assertThat(c.kept().toString()).isEqualTo("{\"text\":\"edited on a\"}");
        });
        // b hears it from the winning values that overwrite its own: only the field it had written.
        assertThat(heard.get("b")).singleElement().satisfies(c -> {
            assertThat(c.lostBy("b")).isTrue();
            assertThat(c.winner()).isEqualTo("a");
            assertThat(c.lost().toString()).isEqualTo("{\"text\":\"edited on b\"}");
            assertThat(c.kept().toString()).isEqualTo("{\"text\":\"edited on a\"}");
        });
        assertThat(heard.get("a")).isEmpty();
    }

    @Test
    void anEditMadeAfterSeeingTheOtherIsNoConflict() {
        Scriber hub = peer("hub");
        Scriber a = peer("a");
        Scriber b = peer("b");
        net.star(hub, a, b);
        Note n = a.create(new Note("n1", "first", "a"));
        net.settle();
        n.text = "a's";
        a.save(n);
        net.settle();
        net.clock().advance(10);
        Note onB = b.find(Note.class, "n1").orElseThrow();
        onB.text = "b's, after reading a's";
        b.save(onB);
        net.assertConverged();
        assertThat(heard.values()).allSatisfy(list -> assertThat(list).isEmpty());
    }
}
