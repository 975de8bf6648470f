package io.scribe.store.postgres;

import io.scribe.testkit.SharedNodesHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two server nodes sharing one PostgreSQL schema relay each other's new scribes to their clients (LISTEN/NOTIFY). */
class PostgresSharedNodesTest {

    private final String schema = PgTestSupport.newSchema();

    @AfterEach
    void dropSchema() throws Exception {
        PgTestSupport.dropSchema(schema);
    }

    @Test
    void aChangeOnOneNodesClientReachesTheOtherNodesClient() throws Exception {
        try (PostgresStore a = PostgresStore.connect(PgTestSupport.url(schema));
                PostgresStore b = PostgresStore.connect(PgTestSupport.url(schema))) {
            SharedNodesHarness.run(a, b);
        }
    }
}
