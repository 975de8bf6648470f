package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The frame its server reads is kept by a client: restarted offline, it refuses at once a write its server would
 * refuse for good, instead of taking it and having it undone once connected.
 */
class FrameLimitRestartTest {

    @Test
    void aClientRestartedOfflineHoldsItsWritesToTheFrameItsServerStated() {
        Wire small = Wire.scribe().withMaxFrameBytes(64 * 1024);
        Store clientStore = Store.inMemory();
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).wire(small).register(Task.class)
                .build();
        Scriber client = Scriber.builder().clientId("client").store(clientStore).register(Task.class).build();
        Network net = new Network(new Random(3));
        Network.Link link = net.link(client, hub, small);
        Task t = client.create(new Task("t1", "small", 1));
        net.settle();
        assertThat(hub.find(Task.class, "t1")).isPresent();
        link.cut();
        client.close();

        // Restarted, not connected: the default wire reads 16 MiB frames, the server 64 KiB.
        Scriber again = Scriber.builder().clientId("client").store(clientStore).register(Task.class).build();
        Task held = again.find(Task.class, "t1").orElseThrow();
        held.setTitle("x".repeat(70_000));
        assertThatThrownBy(() -> again.save(held)).isInstanceOf(ScribeException.class)
                .satisfies(e -> assertThat(((ScribeException) e).code()).isEqualTo(ScribeException.TOO_LARGE));
        held.setTitle("fits");
        again.save(held);
        net.link(again, hub, small);
        net.settle();
        assertThat(hub.find(Task.class, "t1").orElseThrow().title()).isEqualTo("fits");
        assertThat(t.id()).isEqualTo("t1");
        again.close();
        hub.close();
    }
}
