package io.scribe.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.StoreKillHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes writing to a PostgreSQL store are killed with SIGKILL at random points of start-up (opening the pool,
 * creating and migrating the schema of a new store) and of commits; the store always opens again with every
 * acknowledged commit there once, nothing torn, lost or resurrected.
 */
class PostgresStoreKillTest {

    private final String first = PgTestSupport.newSchema();
    private final String second = PgTestSupport.newSchema();

    @TempDir
    Path tmp;

    @AfterEach
    void dropSchemas() throws Exception {
        PgTestSupport.dropSchema(first);
        PgTestSupport.dropSchema(second);
    }

    @Test
    void survivesKillsAtRandomPointsOfStartUpAndOfCommits() throws Exception {
        int kills = StoreKillHarness.killsPerStore();
        var a = new StoreKillHarness(PgTestSupport.url(first), tmp, 21).run((kills + 1) / 2);
        var b = new StoreKillHarness(PgTestSupport.url(second), tmp, 22).run(kills / 2);
        System.out.printf("postgresql store: %d kills during start-up, %d during commits%n",
                a.duringStartup() + b.duringStartup(), a.duringCommits() + b.duringCommits());
        assertThat(a.total() + b.total()).isEqualTo(kills);
    }
}
