package io.scribe.core.spi;

import io.scribe.core.Scribe;
import java.util.List;
import java.util.Map;

/**
 * One atomic write to a {@link Store}: scribes to append to the log, object states to upsert and client cursors to
 * set. A store applies all of it or none of it, so that a cursor never runs ahead of the scribes it covers.
 *
 * @param scribes scribes to append, in order; their ids are ignored and the store assigns new ones
 * @param objects latest object states, replacing any earlier state of the same klass and id
 * @param cursors client GUID to the id of the last scribe of that client that was processed here; an empty cursor
 *     removes the client's cursor (an empty and a missing cursor both mean "from the start")
 */
public record Commit(List<Scribe> scribes, List<ObjectState> objects, Map<String, String> cursors) {

    /** Copies the components. */
    public Commit {
        scribes = List.copyOf(scribes);
        objects = List.copyOf(objects);
        cursors = Map.copyOf(cursors);
    }

    /** Whether this commit writes nothing. */
    public boolean isEmpty() {
        return scribes.isEmpty() && objects.isEmpty() && cursors.isEmpty();
    }
}
