package io.scribe.core;

import java.time.OffsetDateTime;
import java.time.ZonedDateTime;

/** A synced class with dates that carry an offset. */
public class Meeting {
    String id;
    OffsetDateTime starts;
    ZonedDateTime ends;

    Meeting() {}

    Meeting(String id, OffsetDateTime starts, ZonedDateTime ends) {
        this.id = id;
        this.starts = starts;
        this.ends = ends;
    }
}
