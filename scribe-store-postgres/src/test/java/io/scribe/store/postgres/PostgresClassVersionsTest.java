package io.scribe.store.postgres;

import io.scribe.testkit.ClassVersionsCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub on PostgreSQL whose version of a class lacks a field its clients have keeps that field's values in the stored
 * states: reopened with a version that has it, it holds what the clients hold.
 */
class PostgresClassVersionsTest {

    private final String schema = PgTestSupport.newSchema();

    @AfterEach
    void dropSchema() throws Exception {
        PgTestSupport.dropSchema(schema);
    }

    @Test
    void aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion() {
        ClassVersionsCheck.aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion(
                () -> PostgresStore.connect(PgTestSupport.url(schema)));
    }
}
