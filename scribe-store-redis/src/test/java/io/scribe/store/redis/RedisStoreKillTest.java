package io.scribe.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.StoreKillHarness;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes writing to a Redis store are killed with SIGKILL at random points of start-up (creating the marker of a
 * new store, loading the commit script) and of commits; the store always opens again with every acknowledged commit
 * there once, nothing torn, lost or resurrected.
 */
class RedisStoreKillTest {

    private final String first = RedisTestSupport.newPrefix();
    private final String second = RedisTestSupport.newPrefix();

    @TempDir
    Path tmp;

    @AfterEach
    void deleteKeys() {
        RedisTestSupport.deleteKeys(first);
        RedisTestSupport.deleteKeys(second);
    }

    @Test
    void survivesKillsAtRandomPointsOfStartUpAndOfCommits() throws Exception {
        int kills = StoreKillHarness.killsPerStore();
        var a = new StoreKillHarness(RedisTestSupport.url(first), tmp, 21).run((kills + 1) / 2);
        var b = new StoreKillHarness(RedisTestSupport.url(second), tmp, 22).run(kills / 2);
        System.out.printf("redis store: %d kills during start-up, %d during commits%n",
                a.duringStartup() + b.duringStartup(), a.duringCommits() + b.duringCommits());
        assertThat(a.total() + b.total()).isEqualTo(kills);
    }
}
