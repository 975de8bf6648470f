package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoredScribe;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A store that keeps scribes spaced (as PostgreSQL prints jsonb) hands the hub bytes larger than the scribe: a
 * scribe that fits a frame compact is still sent in a catch-up page, not skipped as too large.
 */
class SpacedStoreTest {

    static final class Series {
        String id;
        List<Integer> points = new ArrayList<>();

        Series() {}
    }

    private static final ObjectMapper SPACED = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The in-memory store, its stored scribes handed out indented. */
    private static Store spaced() {
        return new ForwardingStore(Store.inMemory()) {
            @Override
            public List<StoredScribe> readStoredAfter(long afterId, int limit) {
                List<StoredScribe> out = new ArrayList<>();
                for (StoredScribe s : delegate.readStoredAfter(afterId, limit)) {
                    try {
                        out.add(new StoredScribe(s.id(), SPACED.writeValueAsBytes(SPACED.readTree(s.json()))));
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException(e);
                    }
                }
                return out;
            }
        };
    }

    @Test
    void aScribeLargerAsStoredThanCompactIsSentInAPage() throws Exception {
        Wire small = Wire.scribe().withMaxFrameBytes(8192);
        List<ScribeException> problems = new CopyOnWriteArrayList<>();
        Scriber hub = Scriber.builder().clientId("hub").store(spaced()).register(Series.class).wire(small)
                .onError(problems::add).build();
        Scriber peer = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Series.class)
                .wire(small).build();
        Series s = new Series();
        s.id = "s1";
        for (int i = 0; i < 3000; i++) {
            s.points.add(i % 10);
        }
        hub.create(s);
        byte[] asStored = hub.store().readStoredAfter(0, 1).get(0).json();
        assertThat(asStored.length).as("the stored form is over the frame").isGreaterThan(8192);

        Peers.direct(peer, hub)[0].sync().get(20, TimeUnit.SECONDS);

        assertThat(peer.find(Series.class, "s1")).hasValueSatisfying(got -> assertThat(got.points).hasSize(3000));
        assertThat(problems).isEmpty();
    }
}
