package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A date with an offset arrives with the offset it was written with, and keeps it across a restart. */
class DateOffsetTest {

    private static final OffsetDateTime STARTS = OffsetDateTime.of(2026, 2, 28, 13, 14, 15, 0, ZoneOffset.ofHours(5));
    private static final ZonedDateTime ENDS = ZonedDateTime.of(2026, 2, 28, 14, 0, 0, 0, ZoneOffset.ofHours(-3));

    @Test
    void anOffsetDateTimeArrivesAsWrittenNotMovedToUtc() {
        Network net = new Network(new Random(1));
        Store hubStore = Store.inMemory();
        Scriber hub = Scriber.builder().clientId("hub").store(hubStore).register(Meeting.class).build();
        Scriber laptop = Scriber.builder().clientId("laptop").store(Store.inMemory()).register(Meeting.class).build();
        net.link(laptop, hub);
        laptop.create(new Meeting("m1", STARTS, ENDS));
        net.settle();

        Meeting there = hub.find(Meeting.class, "m1").orElseThrow();
        assertThat(there.starts).isEqualTo(STARTS);   // was 2026-02-28T08:14:15Z: the same instant, another hour
        assertThat(there.ends).isEqualTo(ENDS);
        List<String> stored = new ArrayList<>();
        hubStore.forEachObject((ObjectState s) -> stored.add(s.fields().toString()));
        assertThat(stored).singleElement().asString().contains("\"2026-02-28T13:14:15+05:00\"");
        hub.close();

        try (Scriber again = Scriber.builder().clientId("hub").store(hubStore).register(Meeting.class).build()) {
            Meeting restarted = again.find(Meeting.class, "m1").orElseThrow();
            assertThat(restarted.starts).isEqualTo(STARTS);
            assertThat(restarted.starts.getHour()).isEqualTo(13);
            assertThat(restarted.ends).isEqualTo(ENDS);
        }
        laptop.close();
        hubStore.close();
    }
}
