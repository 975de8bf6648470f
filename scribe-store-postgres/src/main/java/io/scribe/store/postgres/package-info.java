/**
 * A {@link io.scribe.core.spi.Store} in PostgreSQL: {@link io.scribe.store.postgres.PostgresStore} keeps a peer's
 * scribe log, client cursors and object states in one schema, migrates it at start, and tells server nodes that share
 * the schema about each other's commits through LISTEN/NOTIFY. {@link io.scribe.store.postgres.PostgresStoreProvider}
 * serves {@code postgresql://} URLs to {@link io.scribe.core.spi.Store#open(String)}.
 */
package io.scribe.store.postgres;
