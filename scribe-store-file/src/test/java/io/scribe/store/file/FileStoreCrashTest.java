package io.scribe.store.file;

import io.scribe.testkit.CrashHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer on Chronicle Map files killed with SIGKILL while receiving changes recovers its files, catches up and ends
 * equal to its partner, nothing lost or doubled.
 */
class FileStoreCrashTest {

    @TempDir
    Path tmp;

    @Test
    void aPeerKilledWhileReceivingCatchesUpWithNothingLostOrDuplicated() throws Exception {
        new CrashHarness("file:" + tmp.resolve("store") + "?entries=10000", tmp).run();
    }
}
