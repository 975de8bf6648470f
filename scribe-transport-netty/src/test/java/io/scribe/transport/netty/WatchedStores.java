package io.scribe.transport.netty;

import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.StoreProvider;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves {@code watched:NAME}: an in-memory store that remembers, by name, whether it was closed. Listed in the
 * tests' {@code META-INF/services}, so {@code Scriber.Builder.store("watched:NAME")} opens one.
 */
public final class WatchedStores implements StoreProvider {

    /** Each store opened, by name: whether it is closed. */
    static final Map<String, Boolean> CLOSED = new ConcurrentHashMap<>();

    @Override
    public Set<String> schemes() {
        return Set.of("watched");
    }

    @Override
    public Store open(String url) {
        String name = url.substring("watched:".length());
        CLOSED.put(name, false);
        return new ForwardingStore(Store.inMemory()) {
            @Override
            public void close() {
                CLOSED.put(name, true);
                super.close();
            }
        };
    }
}
