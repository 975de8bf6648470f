package io.scribe.store.redis;

import io.scribe.core.spi.Store;
import io.scribe.testkit.DurableStoreContractTest;
import org.junit.jupiter.api.AfterEach;

/** The store contract on a real Redis, each test under its own key prefix. */
class RedisStoreContractTest extends DurableStoreContractTest {

    private final String prefix = RedisTestSupport.newPrefix();

    @Override
    protected Store newStore() {
        return RedisStore.connect(RedisTestSupport.url(prefix));
    }

    @Override
    protected Store reopen(Store store) {
        store.close();
        return RedisStore.connect(RedisTestSupport.url(prefix));
    }

    @AfterEach
    void deleteKeys() {
        RedisTestSupport.deleteKeys(prefix);
    }
}
