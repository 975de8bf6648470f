package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.spi.Stamp;
import org.junit.jupiter.api.Test;

/** The cursors that name a place in a snapshot, read back as written, and malformed ones refused. */
class SnapshotPositionTest {

    @Test
    void aPositionReadsBackAsWrittenWithAndWithoutAPart() {
        Key key = new Key("Task", "id:with/odd\nchars é");
        for (Snapshot.Position p : new Snapshot.Position[] {
                new Snapshot.Position(0, null),
                new Snapshot.Position(42, key),
                new Snapshot.Position(42, key, new Stamp(123_456_789L << 16, "origin:with:colons")),
        }) {
            assertThat(Snapshot.Position.parse(p.cursor())).isEqualTo(p);
        }
        assertThat(new Snapshot.Position(7, key, new Stamp(5, "o")).cursor()).startsWith("snapshot:7:").matches(
                "snapshot:7:[A-Za-z0-9_-]+:5:[A-Za-z0-9_-]+");
    }

    @Test
    void malformedCursorsAreNotPositions() {
        String key = new Snapshot.Position(1, new Key("Task", "t")).cursor().substring("snapshot:1:".length());
        for (String bad : new String[] {"snapshot:", "snapshot:x:", "snapshot:-1:", "snapshot:1", "snapshot:1::5:bw",
                "snapshot:1:" + key + ":5", "snapshot:1:" + key + ":x:bw", "snapshot:1:" + key + ":5:",
                "snapshot:1:" + key + ":5:bw:extra", "snapshot:1:!!", "7"}) {
            assertThat(Snapshot.Position.parse(bad)).as(bad).isNull();
        }
    }
}
