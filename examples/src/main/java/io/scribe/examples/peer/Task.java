package io.scribe.examples.peer;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.List;

/** The example's synced class: plain fields and a no-argument constructor. */
@Synced(explicit = true)
public final class Task {
    @SyncId
    String id;
    String title;
    boolean done;
    int priority;
    List<String> tags = new ArrayList<>();

    Task() {}

    Task(String id) {
        this.id = id;
    }

    /** The stable one-line form {@code show} prints: {@code ID title=… done=… priority=… tags=a,b}. */
    String line() {
        return id + " title=" + (title == null ? "" : title) + " done=" + done + " priority=" + priority + " tags="
                + String.join(",", tags);
    }
}
