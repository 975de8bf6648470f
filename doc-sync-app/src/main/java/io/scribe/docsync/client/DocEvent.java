package io.scribe.docsync.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a {@link DocClient} reports, in order.
 *
 * @param kind what happened
 * @param docId the document concerned, or null for connection and sync events
 * @param local whether the change was made on this client (false: it came from the server)
 * @param detail extra data: the conflict's notice ({@code lost} and {@code kept} values, {@code seq}) or, for a loss
 *     whose notice never reached this client, the lost change's row as {@link DocClient#conflicts()} lists it (no
 *     {@code kept}); the connection state, the progress, or null
 */
public record DocEvent(Kind kind, String docId, boolean local, JsonNode detail) {

    /** Event kinds. */
    public enum Kind {
        CREATED,
        UPDATED,
        DELETED,
        /** The catch-up after a (re)connection finished: the client holds everything the server had for it. */
        SYNC_COMPLETED,
        /**
         * The server refused a write of this client; the server's value stands. Told once per lost change: when the
         * server's notice arrives, or, if it never reached this client, at the next login.
         */
        CONFLICT,
        /** Connected or disconnected ({@code detail}: {@code true} when connected). */
        CONNECTION_CHANGED,
        /** The server refused this client's credentials or an edit ({@code detail}: the message). */
        ERROR,
        /**
         * A catch-up or an upload has been running for a while ({@code detail}: {@code {"phase":"catch-up",
         * "received":N}} with the changes received since it began, or {@code {"phase":"upload","acknowledged":N,
         * "of":M}}); told every interval (2 s by default) while it lasts, never for one that ends sooner.
         */
        PROGRESS
    }
}
