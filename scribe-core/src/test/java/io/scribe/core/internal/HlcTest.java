package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class HlcTest {

    private static Clock at(long millis) {
        return Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC);
    }

    @Test
    void ticksStrictlyIncreaseEvenWhenTheWallClockStandsStillOrGoesBack() {
        long[] now = {1000};
        Hlc hlc = new Hlc(new Clock() {
            @Override
            public long millis() {
                return now[0];
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now[0]);
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        });
        long a = hlc.tick();
        long b = hlc.tick();
        now[0] = 500;
        long c = hlc.tick();
        now[0] = 2000;
        long d = hlc.tick();
        assertThat(a).isLessThan(b);
        assertThat(b).isLessThan(c);
        assertThat(c).isLessThan(d);
        assertThat(Hlc.millis(a)).isEqualTo(1000);
        assertThat(Hlc.millis(c)).isEqualTo(1000);
        assertThat(Hlc.millis(d)).isEqualTo(2000);
    }

    @Test
    void aTickAfterObservingARemoteClockIsLaterThanIt() {
        Hlc behind = new Hlc(at(1000));
        Hlc ahead = new Hlc(at(5000));
        long remote = ahead.tick();
        behind.observe(remote);
        assertThat(behind.tick()).isGreaterThan(remote);
    }
}
