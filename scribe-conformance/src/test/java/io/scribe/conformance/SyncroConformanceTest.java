package io.scribe.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.ScribeServer;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scribe's own server passes the conformance kit in both framings. */
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
}
