package io.scribe.core;

import io.scribe.core.spi.ScribeMetrics;
import java.util.List;

/** Tells the {@link ScribeMetrics} what one committed step stored: its own scribes and those played from peers. */
final class CommitMetrics {

    private CommitMetrics() {}

    /**
     * Counts the scribes one step of a group commit stored as recorded or played; returns whether the step changed
     * the log or the objects (a cursor moving on its own does not count as a commit).
     */
    static boolean step(ScribeMetrics metrics, String guid, Txn tx, List<Scribe> stored) {
        if (metrics == ScribeMetrics.NONE || tx.foreign || (stored.isEmpty() && tx.states.isEmpty())) {
            return false;
        }
        for (int i = 0; i < stored.size() && i < tx.entries.size(); i++) {
            Txn.Entry e = tx.entries.get(i);
            if (e.source() != null) {
                metrics.played(stored.get(i), e.source().client().id());
            } else if (guid.equals(stored.get(i).origin())) {
                metrics.recorded(stored.get(i));
            }
        }
        return true;
    }
}
