package io.scribe.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.Scriber;
import io.scribe.testkit.Network;
import io.scribe.testkit.TestNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(ScribeExtension.class)
class ScribeExtensionTest {

    @Test
    void peersThroughAHubConverge(TestNetwork net) {
        Scriber hub = net.peer("hub", Note.class);
        Scriber laptop = net.peer("laptop", Note.class);
        Scriber phone = net.peer("phone", Note.class);
        net.star(hub, laptop, phone);
        laptop.create(new Note("n1", "from the laptop"));
        phone.create(new Note("n2", "from the phone"));
        net.assertConverged();
        assertThat(phone.find(Note.class, "n1")).hasValueSatisfying(n -> assertThat(n.text).isEqualTo("from the laptop"));
        assertThat(laptop.all(Note.class)).hasSize(2);
    }

    @Test
    void aPeerCutOffFailsTheCheckNamingTheObjectAndSeedThenCatchesUp(TestNetwork net) {
        Scriber a = net.peer("a", Note.class);
        Scriber b = net.peer("b", Note.class);
        Network.Link link = net.link(a, b);
        net.settle();
        link.cut();
        Note note = a.create(new Note("n1", "offline"));
        assertThatThrownBy(net::assertConverged).isInstanceOf(AssertionError.class)
                .hasMessageContaining("seed " + net.seed())
                .hasMessageContaining("Note/n1").hasMessageContaining("b=absent");
        link.reconnect();
        net.clock().advance(1_000);
        note.text = "edited later";
        a.save(note);
        net.assertConverged();
        assertThat(b.find(Note.class, "n1")).hasValueSatisfying(n -> assertThat(n.text).isEqualTo("edited later"));
    }

    @Test
    void eachTestGetsAFreshNetworkAndOnePerTestWhateverTheParameterCount(TestNetwork one, TestNetwork same) {
        assertThat(one).isSameAs(same);
        Scriber p = one.peer("p", Note.class);
        assertThatThrownBy(() -> one.peer("p", Note.class)).isInstanceOf(IllegalArgumentException.class);
        assertThat(p.all(Note.class)).isEmpty();
    }
}
