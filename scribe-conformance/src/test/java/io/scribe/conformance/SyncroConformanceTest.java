package io.scribe.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.Backoff;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scribe's own server and client pass the conformance kit in both framings. */
class SyncroConformanceTest {

    /** The record class of the Syncro captures. */
    @Synced(value = "Test", explicit = true)
    static final class Record {
        @SyncId
        String id;
        String name;
    }

    @ParameterizedTest
    @ValueSource(strings = {"u16", "u32"})
    void scribesServerPasses(String framing) {
        Wire wire = framing.equals("u16") ? Wire.syncro() : Wire.scribe();
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Record.class).wire(wire)
                .onError(e -> { }).build();
        try (ScribeServer server = ScribeServer.builder(hub).wire(wire).tcp(0).start()) {
            List<SyncroConformance.Result> results =
                    new SyncroConformance("127.0.0.1", server.tcpAddress().getPort(), framing, 20_000).run();
            assertThat(results).isNotEmpty().allSatisfy(r -> assertThat(r.failure()).as(r.scenario()).isNull());
        } finally {
            hub.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"u16", "u32"})
    void scribesClientPasses(String framing) throws Exception {
        Wire wire = framing.equals("u16") ? Wire.syncro() : Wire.scribe();
        Scriber peer = Scriber.builder().clientId("client").store(Store.inMemory()).register(Record.class).wire(wire)
                .onError(e -> { }).build();
        SyncroClientConformance.ClientUnderTest probe = new SyncroClientConformance.ClientUnderTest() {
            @Override
            public Map<String, String> records() {
                Map<String, String> names = new TreeMap<>();
                peer.all(Record.class).forEach(r -> names.put(r.id, r.name));
                return names;
            }

            @Override
            public void create(String id, String name) {
                Record r = new Record();
                r.id = id;
                r.name = name;
                peer.create(r);
            }
        };
        try (ServerSocket kit = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
                ScribeClient client = ScribeClient.tcp(peer, "127.0.0.1", kit.getLocalPort()).wire(wire)
                        .reconnect(new Backoff(Duration.ofMillis(20), Duration.ofMillis(300), 0.5, 1000)).start()) {
            List<SyncroConformance.Result> results = new SyncroClientConformance(kit, framing, 20_000, probe).run();
            assertThat(results).isNotEmpty().allSatisfy(r -> assertThat(r.failure()).as(r.scenario()).isNull());
        } finally {
            peer.close();
        }
    }
}
