package io.scribe.store.redis;

import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoreProvider;
import java.util.Set;

/**
 * Serves {@code redis://HOST:PORT/DB?prefix=P} (and {@code rediss://} for TLS) to {@link Store#open(String)}; see
 * {@link RedisStore#connect(String)} for the parameters. Stateless and thread-safe.
 */
public final class RedisStoreProvider implements StoreProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public RedisStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("redis", "rediss");
    }

    @Override
    public Store open(String url) {
        return RedisStore.connect(url);
    }
}
