package io.scribe.store.redis;

import io.scribe.testkit.SharedNodesHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two server nodes sharing one Redis prefix relay each other's new scribes to their clients (pub/sub). */
class RedisSharedNodesTest {

    private final String prefix = RedisTestSupport.newPrefix();

    @AfterEach
    void deleteKeys() {
        RedisTestSupport.deleteKeys(prefix);
    }

    @Test
    void aChangeOnOneNodesClientReachesTheOtherNodesClient() throws Exception {
        try (RedisStore a = RedisStore.connect(RedisTestSupport.url(prefix));
                RedisStore b = RedisStore.connect(RedisTestSupport.url(prefix))) {
            SharedNodesHarness.run(a, b);
        }
    }
}
