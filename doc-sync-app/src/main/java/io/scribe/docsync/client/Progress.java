package io.scribe.docsync.client;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides when a long catch-up or upload reports its progress: once it has lasted an interval, then every interval
 * while it lasts. Fed by one thread (the client's watcher) with what it sees on each tick.
 */
final class Progress {

    private final long intervalNanos;
    private long catchUpStart = -1;
    private long catchUpFrom;
    private long uploadStart = -1;
    private int uploadOf;
    private long lastTold;

    Progress(Duration interval) {
        this.intervalNanos = interval.toNanos();
    }

    /**
     * One look at the client.
     *
     * @param catchingUp whether a catch-up is running
     * @param received changes from the server played so far (a running total)
     * @param uploading whether the client is online and caught up, so its pending changes are being sent
     * @param pending local changes the server has not acknowledged yet
     * @return the progress to tell, if it is time to
     */
    Optional<ObjectNode> tick(boolean catchingUp, long received, boolean uploading, int pending) {
        long now = System.nanoTime();
        if (!catchingUp) {
            catchUpStart = -1;
        } else {
            if (catchUpStart < 0) {
                catchUpStart = now;
                catchUpFrom = received;
                lastTold = now;
            }
            if (intervalNanos == 0 || now - lastTold >= intervalNanos) {
                lastTold = now;
                return Optional.of(JsonNodeFactory.instance.objectNode().put("phase", "catch-up")
                        .put("received", received - catchUpFrom));
            }
        }
        if (!uploading || pending == 0) {
            uploadStart = -1;
            uploadOf = 0;
            return Optional.empty();
        }
        if (uploadStart < 0) {
            uploadStart = now;
            uploadOf = pending;
            lastTold = now;
            return Optional.empty();
        }
        // New edits while uploading widen the task rather than start another.
        uploadOf = Math.max(uploadOf, pending);
        if (now - lastTold >= intervalNanos) {
            lastTold = now;
            return Optional.of(JsonNodeFactory.instance.objectNode().put("phase", "upload")
                    .put("acknowledged", uploadOf - pending).put("of", uploadOf));
        }
        return Optional.empty();
    }
}
