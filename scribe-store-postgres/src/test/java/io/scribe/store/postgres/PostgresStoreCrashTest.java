package io.scribe.store.postgres;

import io.scribe.testkit.CrashHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer on PostgreSQL killed with SIGKILL while receiving changes ends equal to its partner, nothing lost or doubled. */
class PostgresStoreCrashTest {

    private final String schema = PgTestSupport.newSchema();

    @TempDir
    Path tmp;

    @AfterEach
    void dropSchema() throws Exception {
        PgTestSupport.dropSchema(schema);
    }

    @Test
    void aPeerKilledWhileReceivingCatchesUpWithNothingLostOrDuplicated() throws Exception {
        new CrashHarness(PgTestSupport.url(schema), tmp).run();
    }
}
