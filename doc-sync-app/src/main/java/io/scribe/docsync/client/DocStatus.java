package io.scribe.docsync.client;

/** The sync status of one document on a client. */
public enum DocStatus {
    /** The server has accepted every local change. */
    SYNCED,
    /** Local changes the server has not acknowledged yet (offline, or in flight). */
    PENDING,
    /** The server refused the last local change to it; its own value stands. */
    CONFLICT
}
