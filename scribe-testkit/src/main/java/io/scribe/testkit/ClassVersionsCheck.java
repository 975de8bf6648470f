package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Checks a durable store across versions of a class: a hub whose version of {@code Job} lacks {@code done}, which its
 * client has, keeps the values of {@code done} in the states it stores; reopened on the same store with a version
 * that has the field, it holds what the client holds.
 */
public final class ClassVersionsCheck {

    private ClassVersionsCheck() {}

    /** The client's version of the class. */
    @Synced(value = "Job", explicit = true)
    static final class Job {
        String id;
        String title;
        boolean done;

        Job() {}
    }

    /** The hub's first version: without {@code done}. */
    @Synced(value = "Job", explicit = true)
    static final class JobWithoutDone {
        String id;
        String title;

        JobWithoutDone() {}
    }

    /**
     * Runs the check on the stores {@code open} opens, each time on the same data (the check closes them).
     */
    public static void aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion(Supplier<Store> open) {
        Network net = new Network(new Random(1));
        Scriber client = Scriber.builder().clientId("client").store(Store.inMemory()).register(Job.class).build();
        try (Store store = open.get();
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
        } finally {
            client.close();
        }

        try (Store store = open.get();
                Scriber upgraded = Scriber.builder().clientId("hub").store(store).register(Job.class).build()) {
            Job there = upgraded.find(Job.class, "j1").orElseThrow();
            assertThat(there.done).as("a field the hub's first version lacked").isTrue();
            assertThat(there.title).isEqualTo("edited on the hub");
        }
    }
}
