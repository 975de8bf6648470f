package io.scribe.store.redis;

import io.scribe.testkit.CrashHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer on Redis killed with SIGKILL while receiving changes ends equal to its partner, nothing lost or doubled. */
class RedisStoreCrashTest {

    private final String prefix = RedisTestSupport.newPrefix();

    @TempDir
    Path tmp;

    @AfterEach
    void deleteKeys() {
        RedisTestSupport.deleteKeys(prefix);
    }

    @Test
    void aPeerKilledWhileReceivingCatchesUpWithNothingLostOrDuplicated() throws Exception {
        new CrashHarness(RedisTestSupport.url(prefix), tmp).run();
    }
}
