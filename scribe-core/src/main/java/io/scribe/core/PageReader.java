package io.scribe.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads the store for one catch-up page: the first chunk before the engine lock is taken, so that the store read
 * of a page does not hold up every local write and every other session; the rest (a page of mostly hidden scribes)
 * under it.
 *
 * <p>A page never holds a scribe above the highest id the engine has relayed to its sessions when the page is made
 * (read under the lock, where relaying happens): a scribe stored but not relayed yet is pushed to the asker once
 * it is applied, if the page ends its catch-up, and is read by its next page otherwise, so that no scribe is sent
 * twice and none is skipped between the page and the pushes.
 */
final class PageReader {

    private final Scriber scriber;
    private final List<Scribe> prefetched;
    /** Every scribe after the first position and at or below this one is in {@link #prefetched}. */
    private final long coveredTo;

    /** Reads up to {@code chunk} scribes after {@code after} now, without the engine lock. */
    PageReader(Scriber scriber, long after, int chunk) {
        this.scriber = scriber;
        long cap = scriber.relayedUpTo();
        List<Scribe> read = after >= 0 && after < cap ? scriber.store.readAfter(after, chunk) : List.of();
        List<Scribe> kept = new ArrayList<>(read.size());
        boolean capped = false;
        for (Scribe s : read) {
            if (Long.parseLong(s.id()) > cap) {
                capped = true;
                break;
            }
            kept.add(s);
        }
        this.prefetched = kept;
        if (capped || read.size() < chunk) {
            // Everything up to the cap was read: what was relayed is stored, and the log ended or passed it.
            this.coveredTo = Math.max(after, cap);
        } else {
            this.coveredTo = Long.parseLong(kept.get(kept.size() - 1).id());
        }
    }

    /**
     * Up to {@code limit} scribes after {@code position}, ascending, none above what was relayed; fewer than
     * {@code limit} only at the end of what a page may hold. Engine lock held.
     */
    List<Scribe> read(long position, int limit) {
        long cap = scriber.relayedUpTo();
        List<Scribe> out = new ArrayList<>(Math.min(limit, 512));
        long next = position;
        for (Scribe s : prefetched) {
            if (out.size() >= limit) {
                return out;
            }
            long id = Long.parseLong(s.id());
            if (id > position) {
                out.add(s);
                next = id;
            }
        }
        long from = Math.max(next, coveredTo);
        if (out.size() >= limit || from >= cap) {
            return out;
        }
        for (Scribe s : scriber.store.readAfter(from, limit - out.size())) {
            if (Long.parseLong(s.id()) > cap) {
                break;
            }
            out.add(s);
        }
        return out;
    }
}
