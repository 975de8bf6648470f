package io.scribe.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.scribe.core.Policy;
import io.scribe.core.Scriber;
import io.scribe.testkit.Network;
import io.scribe.testkit.TestNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Meters after real replication between peers on the testkit's in-memory network. */
class ScribeMicrometerTest {

    private final TestNetwork net = new TestNetwork(11);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @AfterEach
    void close() {
        net.close();
        registry.close();
    }

    private Scriber peer(String id, Policy<Item> policy) {
        ScribeMicrometer metrics = new ScribeMicrometer(registry, Tags.of("scriber", id), net.clock());
        Scriber scriber = net.peer(id, b -> b.register(Item.class, policy).metrics(metrics));
        metrics.monitor(scriber);
        return scriber;
    }

    private double count(String name, String scriber, String... tags) {
        var counter = registry.find(name).tag("scriber", scriber).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    private double gauge(String name, String scriber, String... tags) {
        return registry.get(name).tag("scriber", scriber).tags(tags).gauge().value();
    }

    @Test
    void countersAndGaugesFollowReplicationThroughAHub() {
        // The hub refuses whatever c writes.
        Scriber hub = peer("hub", Policy.<Item>defaults().withAuthorizer((scribe, client) -> !client.equals("c")));
        Scriber a = peer("a", Policy.defaults());
        Scriber b = peer("b", Policy.defaults());
        Scriber c = peer("c", Policy.defaults());
        Network.Link la = net.link(a, hub);
        net.link(b, hub);
        net.link(c, hub);
        net.settle();
        assertThat(gauge("scribe.sessions", "hub")).isEqualTo(3);
        assertThat(gauge("scribe.sessions.catching.up", "hub")).isZero();

        Item one = a.create(new Item("i1", "one"));
        a.create(new Item("i2", "two"));
        one.name = "one, renamed";
        a.save(one);
        c.create(new Item("refused", "by the hub"));
        net.settle();

        assertThat(count("scribe.scribes.recorded", "a")).isEqualTo(3);
        assertThat(count("scribe.scribes.played", "hub", "peer", "a")).isEqualTo(3);
        assertThat(count("scribe.scribes.relayed", "a", "peer", "hub")).isEqualTo(3);
        assertThat(count("scribe.scribes.relayed", "hub", "peer", "b")).isEqualTo(3);
        assertThat(count("scribe.scribes.relayed", "hub", "peer", "c")).isEqualTo(3);
        assertThat(count("scribe.scribes.played", "b", "peer", "hub")).isEqualTo(3);
        assertThat(count("scribe.scribes.refused", "hub", "peer", "c", "code", "403")).isEqualTo(1);
        assertThat(count("scribe.scribes.played", "hub", "peer", "c")).isZero();
        assertThat(registry.get("scribe.commit").tag("scriber", "a").timer().count()).isEqualTo(3);
        // What one side wrote, the other read: the in-memory network delivers whole frames.
        assertThat(count("scribe.bytes.out", "a", "peer", "hub")).isPositive()
                .isEqualTo(count("scribe.bytes.in", "hub", "peer", "a"));
        assertThat(count("scribe.bytes.out", "hub", "peer", "b")).isEqualTo(count("scribe.bytes.in", "b", "peer", "hub"));
        assertThat(gauge("scribe.replication.lag.scribes", "a", "peer", "hub")).isZero();
        assertThat(gauge("scribe.replication.lag.seconds", "a", "peer", "hub")).isZero();

        // a goes offline and keeps writing: it lags by two scribes, the older written 30 seconds ago.
        la.cut();
        a.create(new Item("i3", "offline"));
        net.clock().advance(20_000);
        a.create(new Item("i4", "offline too"));
        net.clock().advance(10_000);
        assertThat(gauge("scribe.replication.lag.scribes", "a", "peer", "hub")).isEqualTo(2);
        assertThat(gauge("scribe.replication.lag.seconds", "a", "peer", "hub")).isEqualTo(30.0);

        // Back online: the hub catches up from a, and a's lag is gone.
        la.reconnect();
        net.settle();
        assertThat(b.find(Item.class, "i4")).isPresent();
        assertThat(count("scribe.catchup.scribes", "hub", "peer", "a")).isEqualTo(2);
        assertThat(count("scribe.catchup.pages", "hub", "peer", "a")).isGreaterThanOrEqualTo(2);
        assertThat(count("scribe.scribes.played", "hub", "peer", "a")).isEqualTo(5);
        assertThat(count("scribe.scribes.relayed", "hub", "peer", "b")).isEqualTo(5);
        assertThat(gauge("scribe.replication.lag.scribes", "a", "peer", "hub")).isZero();
        assertThat(gauge("scribe.sessions", "hub")).isEqualTo(3);
    }
}
