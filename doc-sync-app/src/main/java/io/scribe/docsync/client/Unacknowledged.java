package io.scribe.docsync.client;

import io.scribe.core.Scribe;
import io.scribe.core.spi.Store;
import io.scribe.docsync.Document;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/**
 * A client's own changes that its server has not acknowledged yet: its document scribes in the local log after the
 * acknowledged position, which only moves forward (the server's answers move it, and so does a count that finds
 * nothing of this client's before some position). The count is kept while the log and the position stay as they were
 * when it was made.
 *
 * <p>Thread-safe: counted by any thread (the watcher, the application, the task manager's {@code wait}) while the
 * server's answers move the position on an I/O thread. A count during which an answer moved the position is made
 * again from the new position, and a count is kept only under the position it holds for: one kept under a position
 * it was not made from would stand until the log or the position moved again, which, once the server has answered
 * the last change, neither does.
 */
final class Unacknowledged {

    /**
     * The own unacknowledged changes counted in the log after {@code marker}, as it stood at {@code lastId}.
     *
     * @param lastId the log's last id when the count began
     * @param marker the acknowledged position the count holds for
     * @param total how many own changes follow it
     * @param byDocument how many of them change each document
     */
    record Count(long lastId, long marker, int total, Map<String, Integer> byDocument) {}

    private static final int PAGE = 500;

    private final Store log;
    private final String clientId;
    private final LongPredicate keep;
    private final Object lock;
    /** Every own change with a log id up to this one has been acknowledged by the server. */
    private volatile long marker;
    private volatile Count cached;

    /**
     * Counts from {@code marker}.
     *
     * @param log the client's local store, whose log is counted
     * @param clientId the client's GUID, the origin of its own scribes
     * @param marker the acknowledged position kept from before
     * @param keep stores a new acknowledged position; false when it cannot (the client is closing), and then the
     *     position stays
     * @param lock the monitor under which the position moves and {@code keep} runs (the client's, which closing
     *     its store holds too)
     */
    Unacknowledged(Store log, String clientId, long marker, LongPredicate keep, Object lock) {
        this.log = log;
        this.clientId = clientId;
        this.marker = marker;
        this.keep = keep;
        this.lock = lock;
    }

    /** The acknowledged position: every own change up to this log id has been acknowledged. */
    long marker() {
        return marker;
    }

    /**
     * The own changes after the acknowledged position, counted again only when the log or the position moved. When
     * the server's answer moves the position while the log is being read, the count is made again from there: a
     * count is never that of a position passed before it returns, so successive counts of an unchanged log never
     * grow.
     */
    Count count() {
        while (true) {
            long last = log.lastId();
            long from = marker;
            Count current = cached;
            if (current != null && current.lastId() == last && current.marker() == from) {
                return current;
            }
            Map<String, Integer> byDocument = new HashMap<>();
            int total = 0;
            long position = from;
            long firstOwn = -1;
            while (true) {
                List<Scribe> page = log.readAfter(position, PAGE);
                for (Scribe s : page) {
                    position = Long.parseLong(s.id());
                    if (clientId.equals(s.origin()) && Document.KLASS.equals(s.klass())) {
                        if (firstOwn < 0) {
                            firstOwn = position;
                        }
                        total++;
                        String doc = s.type() == Scribe.Type.CREATE ? s.data().path("id").asText()
                                : s.data().path(0).asText();
                        byDocument.merge(doc, 1, Integer::sum);
                    }
                }
                if (page.size() < PAGE) {
                    break;
                }
            }
            // Scribes of others before our first unacknowledged one need no second look: the count holds from there.
            long skip = firstOwn < 0 ? position : firstOwn - 1;
            if (skip > from) {
                acknowledge(skip);
            }
            long now = marker;
            if (now != from && now != skip) {
                // An answer moved the position meanwhile: this count, from before it, is not the count after it.
                continue;
            }
            // Kept under the position it holds for, so a later move makes the next call count again.
            Count result = new Count(last, now, total, byDocument);
            cached = result;
            return result;
        }
    }

    /** Every own change up to log id {@code to} is acknowledged: the position moves there if it is further on. */
    void acknowledge(long to) {
        synchronized (lock) {
            if (to > marker && keep.test(to)) {
                marker = to;
            }
        }
    }

    /** Forgets the count kept (the log changed). */
    void changed() {
        cached = null;
    }
}
