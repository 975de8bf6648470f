package io.scribe.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.Random;
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

    @Synced(value = "Job", explicit = true)
    static class Job {
        String id;
        String title;
        boolean done;

        Job() {}
    }

    @Synced(value = "Job", explicit = true)
    static class JobWithoutDone {
        String id;
        String title;

        JobWithoutDone() {}
    }

    @Test
    void aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion() {
        Network net = new Network(new Random(1));
        Scriber client = Scriber.builder().clientId("client").store(Store.inMemory()).register(Job.class).build();
        try (Store store = Store.open(RedisTestSupport.url(prefix));
                Scriber hub = Scriber.builder().clientId("hub").store(store).register(JobWithoutDone.class)
                        .build()) {
            net.link(client, hub);
            Job job = new Job();
            job.id = "j1";
            job.title = "write";
            client.create(job);
            net.settle();
            job.done = true;
            client.save(job);
            net.settle();
            JobWithoutDone onHub = hub.find(JobWithoutDone.class, "j1").orElseThrow();
            onHub.title = "edited on the hub";
            hub.save(onHub);
            net.settle();
        }
        client.close();

        try (Store store = Store.open(RedisTestSupport.url(prefix));
                Scriber upgraded = Scriber.builder().clientId("hub").store(store).register(Job.class).build()) {
            Job there = upgraded.find(Job.class, "j1").orElseThrow();
            assertThat(there.done).isTrue();                     // was false: dropped from the stored state
            assertThat(there.title).isEqualTo("edited on the hub");
        }
    }
}
