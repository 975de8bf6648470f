/**
 * The doc-sync client library: {@link io.scribe.docsync.client.DocClient} keeps a user's documents in SQLite, syncs
 * them through the server online and after time offline, and reports {@link io.scribe.docsync.client.DocEvent}s and a
 * {@link io.scribe.docsync.client.DocStatus} per document.
 */
package io.scribe.docsync.client;
