package io.scribe.store.postgres;

import io.scribe.core.spi.Store;
import io.scribe.testkit.DurableStoreContractTest;
import org.junit.jupiter.api.AfterEach;

/** The store contract on a real PostgreSQL, each test in its own schema. */
class PostgresStoreContractTest extends DurableStoreContractTest {

    private final String schema = PgTestSupport.newSchema();

    @Override
    protected Store newStore() {
        return PostgresStore.connect(PgTestSupport.url(schema));
    }

    @Override
    protected Store reopen(Store store) {
        store.close();
        return PostgresStore.connect(PgTestSupport.url(schema));
    }

    @AfterEach
    void dropSchema() throws Exception {
        PgTestSupport.dropSchema(schema);
    }
}
