package io.scribe.it.runtime;

import static io.scribe.it.runtime.Capture.after;
import static io.scribe.it.runtime.Capture.peer;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.it.runtime.model.Gauge;
import io.scribe.testkit.Network;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A value received from another peer is held as the value its field holds: setting a field of a received object to
 * the value it already has, or saving it unchanged, records nothing, for every number type (a float or a small long
 * arrives as another kind of JSON number than the one the field writes).
 */
class ReceivedValueTest {

    @Test
    void settingAReceivedValueAgainRecordsNothing() {
        Scriber a = peer("a", Gauge.class);
        Scriber b = peer("b", Gauge.class);
        Network net = new Network(new Random(3));
        net.link(b, a);
        a.call(() -> new Gauge("g1"));
        net.settle();

        Gauge there = b.find(Gauge.class, "g1").orElseThrow();
        assertThat(there.level()).isEqualTo(1.1f);
        long before = b.lastScribeId();
        there.setLevel(1.1f);
        there.setCount(5);
        there.setSmall((short) 7);
        there.setTiny((byte) -3);
        there.setMark('x');
        there.setRatio(0.1);
        there.setBoxedLevel(0.3f);
        there.setBoxedCount(6L);
        there.setBoxedSmall((short) 8);
        there.setBoxedTiny((byte) 4);
        there.setBoxedMark('y');
        there.levels().set(0, 0.7f);
        there.byName().put("a", 1.3f);
        assertThat(after(b, before)).isEmpty();
        assertThat(b.save(there)).isEmpty();

        there.setLevel(2.5f);
        assertThat(after(b, before)).singleElement().extracting(Capture::updated).isEqualTo("{\"level\":2.5}");
        net.settle();
        Gauge back = a.find(Gauge.class, "g1").orElseThrow();
        assertThat(back.level()).isEqualTo(2.5f);
        long onA = a.lastScribeId();
        back.setLevel(2.5f);
        assertThat(a.save(back)).isEmpty();
        assertThat(a.lastScribeId()).isEqualTo(onA);
        a.close();
        b.close();
    }
}
