package io.scribe.core.spi;

import java.util.Set;

/**
 * Opens a {@link Store} from a URL, for applications that choose their store by configuration
 * ({@link Store#open(String)}). Listed in {@code META-INF/services/io.scribe.core.spi.StoreProvider}.
 */
public interface StoreProvider {

    /** The URL schemes this provider serves, such as {@code file} or {@code redis}. */
    Set<String> schemes();

    /**
     * Opens (creating when needed) the store the URL names.
     *
     * @throws IllegalArgumentException if the URL is malformed
     * @throws io.scribe.core.ScribeException if the store cannot be reached or its data is not a Scribe store
     */
    Store open(String url);
}
