package io.scribe.store.postgres;

import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoreProvider;
import java.util.Set;

/**
 * Serves {@code postgresql://HOST:PORT/DB?user=U&schema=S} (also spelt {@code postgres://}) to
 * {@link Store#open(String)}; see {@link PostgresStore#connect(String)} for the parameters. Stateless and thread-safe.
 */
public final class PostgresStoreProvider implements StoreProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public PostgresStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("postgresql", "postgres");
    }

    @Override
    public Store open(String url) {
        return PostgresStore.connect(url);
    }
}
