package io.scribe.store.file;

import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoreProvider;
import java.util.Set;

/**
 * Serves {@code file:DIR[?entries=N]} to {@link Store#open(String)}; see {@link FileStore#open(String)}. Stateless
 * and thread-safe.
 */
public final class FileStoreProvider implements StoreProvider {

    /** Called by {@link java.util.ServiceLoader}. */
    public FileStoreProvider() {}

    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public Store open(String url) {
        return FileStore.open(url);
    }
}
