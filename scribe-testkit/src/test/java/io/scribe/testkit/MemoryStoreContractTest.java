package io.scribe.testkit;

import io.scribe.core.spi.Store;

/** The in-memory store passes the contract every store passes. */
class MemoryStoreContractTest extends StoreContractTest {
    @Override
    protected Store newStore() {
        return Store.inMemory();
    }

    @Override
    protected boolean countsObjectsExactly() {
        return true;
    }
}
