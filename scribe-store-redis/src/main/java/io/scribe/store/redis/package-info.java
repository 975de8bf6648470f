/**
 * A {@link io.scribe.core.spi.Store} in Redis: {@link io.scribe.store.redis.RedisStore} keeps a peer's scribe log,
 * client cursors and object states under one key prefix, and tells server nodes that share the prefix about each
 * other's commits through pub/sub. {@link io.scribe.store.redis.RedisStoreProvider} serves {@code redis://} URLs to
 * {@link io.scribe.core.spi.Store#open(String)}.
 */
package io.scribe.store.redis;
