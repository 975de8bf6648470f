package io.scribe.transport.netty;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.List;

/** The synced class of the transport tests. */
@Synced(explicit = true)
final class Note {
    @SyncId
    String id;
    String title;
    int rank;
    List<String> tags = new ArrayList<>();

    Note() {}

    Note(String id, String title, int rank) {
        this.id = id;
        this.title = title;
        this.rank = rank;
    }

    @Override
    public String toString() {
        return id + " title=" + title + " rank=" + rank + " tags=" + tags;
    }
}
