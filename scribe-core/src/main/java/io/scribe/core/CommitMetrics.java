package io.scribe.core;

import io.scribe.core.spi.ScribeMetrics;
import java.util.List;

/** Tells the {@link ScribeMetrics} what one committed step stored: its own scribes and those played from peers. */
final class CommitMetrics {

    private CommitMetrics() {}

    static void committed(ScribeMetrics metrics, String guid, Txn tx, List<Scribe> stored, long nanos) {
        if (metrics == ScribeMetrics.NONE || tx.foreign || (stored.isEmpty() && tx.states.isEmpty())) {
            // Only steps that change the log or the objects count: not a cursor moving on its own.
            return;
        }
        metrics.committed(stored.size(), nanos);
        for (int i = 0; i < stored.size() && i < tx.entries.size(); i++) {
            Txn.Entry e = tx.entries.get(i);
            if (e.source() != null) {
                metrics.played(stored.get(i), e.source().client().id());
            } else if (guid.equals(stored.get(i).origin())) {
                metrics.recorded(stored.get(i));
            }
        }
    }
}
