package io.scribe.store.redis;

import io.scribe.core.spi.Store;
import io.scribe.testkit.ClassVersionsCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A hub on Redis whose version of a class lacks a field its clients have keeps that field's values in the stored
 * states: reopened with a version that has it, it holds what the clients hold.
 */
class RedisClassVersionsTest {

    private final String prefix = RedisTestSupport.newPrefix();

    @AfterEach
    void deleteKeys() {
        RedisTestSupport.deleteKeys(prefix);
    }

    @Test
    void aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion() {
        ClassVersionsCheck.aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion(
                () -> Store.open(RedisTestSupport.url(prefix)));
    }
}
