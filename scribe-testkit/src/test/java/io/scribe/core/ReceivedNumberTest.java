package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.annotations.Synced;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A value received from another peer is held as the value its field holds: saving the object again without a change
 * records nothing, for every primitive and box type (a float or a small long arrives as another kind of JSON number).
 */
class ReceivedNumberTest {

    @Synced(explicit = true)
    static class Reading {
        String id;
        float f;
        long l;
        short s;
        byte b;
        char c;
        double d;
        int i;
        Float bf;
        Long bl;
        Short bs;
        Byte bb;
        Character bc;
        Double bd;

        Reading() {}

        Reading(String id) {
            this.id = id;
            f = 1.1f;
            l = 5;
            s = 7;
            b = -3;
            c = 'x';
            d = 2.0;
            i = 9;
            bf = 0.1f;
            bl = 6L;
            bs = 8;
            bb = 4;
            bc = 'y';
            bd = 3.0;
        }
    }

    @Test
    void savingAReceivedObjectUnchangedRecordsNothing() {
        Network net = new Network(new Random(1));
        Store hubStore = Store.inMemory();
        Scriber hub = Scriber.builder().clientId("hub").store(hubStore).register(Reading.class).build();
        Scriber laptop = Scriber.builder().clientId("laptop").store(Store.inMemory()).register(Reading.class).build();
        net.link(laptop, hub);
        laptop.create(new Reading("r1"));
        net.settle();

        Reading there = hub.find(Reading.class, "r1").orElseThrow();
        assertThat(there.f).isEqualTo(1.1f);
        assertThat(there.bf).isEqualTo(0.1f);
        assertThat(hub.save(there)).isEmpty();
        long last = hub.lastScribeId();
        there.f = 2.5f;
        assertThat(hub.save(there)).get().extracting(s -> s.data().get(1).size()).isEqualTo(1);
        net.settle();
        Reading back = laptop.find(Reading.class, "r1").orElseThrow();
        assertThat(back.f).isEqualTo(2.5f);
        assertThat(laptop.save(back)).isEmpty();
        assertThat(hub.lastScribeId()).isEqualTo(last + 1);
        hub.close();
        laptop.close();
    }
}
