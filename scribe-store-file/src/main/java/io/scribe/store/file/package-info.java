/**
 * The embedded durable {@link io.scribe.core.spi.Store}: {@link io.scribe.store.file.FileStore} keeps a peer's scribe
 * log, client cursors and object states in Chronicle Map files in one directory, for a peer that must outlive its
 * process. {@link io.scribe.store.file.FileStoreProvider} serves {@code file:} URLs to
 * {@link io.scribe.core.spi.Store#open(String)}.
 */
package io.scribe.store.file;
