package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.annotations.Synced;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Peers that hold different versions of one wire class ("Job"): a field one version lacks is kept in its state,
 * relayed, and restored once a version that has it is registered on the same store.
 */
class ClassVersionsTest {

    @Synced(value = "Job", explicit = true)
    static class Job {
        String id;
        String title;
        boolean done;

        Job() {}

        Job(String id, String title) {
            this.id = id;
            this.title = title;
        }
    }

    /** Job without {@code done}. */
    @Synced(value = "Job", explicit = true)
    static class JobWithoutDone {
        String id;
        String title;

        JobWithoutDone() {}
    }

    /** Job with an {@code owner} added. */
    @Synced(value = "Job", explicit = true)
    static class JobWithOwner {
        String id;
        String title;
        boolean done;
        String owner;

        JobWithOwner() {}
    }

    /** Job with {@code done} renamed {@code finished}. */
    @Synced(value = "Job", explicit = true)
    static class JobWithFinished {
        String id;
        String title;
        boolean finished;

        JobWithFinished() {}
    }

    @Test
    void anUpdateOfAFieldTheHubsVersionLacksReachesTheOtherClientsAndSurvivesTheHubsUpgrade() {
        Network net = new Network(new Random(1));
        Store hubStore = Store.inMemory();
        Scriber hub = Scriber.builder().clientId("hub").store(hubStore).register(JobWithoutDone.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Job.class).build();
        Scriber c = Scriber.builder().clientId("c").store(Store.inMemory()).register(Job.class).build();
        net.link(a, hub);
        net.link(c, hub);
        Job job = a.create(new Job("j1", "write"));
        net.settle();
        job.done = true;
        a.save(job);                                  // update {done}: nothing the hub's class has
        net.settle();
        assertThat(c.find(Job.class, "j1").orElseThrow().done).isTrue();   // was false: the hub dropped the update

        JobWithoutDone onHub = hub.find(JobWithoutDone.class, "j1").orElseThrow();
        onHub.title = "edited on the hub";
        hub.save(onHub);
        net.settle();
        assertThat(fields(hubStore)).singleElement().asString().contains("\"done\":true");
        hub.close();

        // The hub upgraded to the version with done, on the same store.
        try (Scriber upgraded = Scriber.builder().clientId("hub").store(hubStore).register(Job.class).build()) {
            Job there = upgraded.find(Job.class, "j1").orElseThrow();
            assertThat(there.done).isTrue();              // was false
            assertThat(there.title).isEqualTo("edited on the hub");
        }
        a.close();
        c.close();
        hubStore.close();
    }

    @Test
    void aFieldAddedByANewerPeerSurvivesTheOlderPeersUpgrade() {
        Network net = new Network(new Random(2));
        Store laptopStore = Store.inMemory();
        Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(JobWithOwner.class).build();
        Scriber laptop = Scriber.builder().clientId("laptop").store(laptopStore).register(Job.class).build();
        net.link(laptop, hub);
        JobWithOwner made = new JobWithOwner();
        made.id = "j1";
        made.title = "plan";
        made.owner = "ann";
        hub.create(made);
        net.settle();
        Job old = laptop.find(Job.class, "j1").orElseThrow();
        old.done = true;
        laptop.save(old);
        net.settle();
        assertThat(hub.find(JobWithOwner.class, "j1").orElseThrow().owner).isEqualTo("ann");
        laptop.close();

        try (Scriber upgraded = Scriber.builder().clientId("laptop").store(laptopStore).register(JobWithOwner.class)
                .build()) {
            JobWithOwner there = upgraded.find(JobWithOwner.class, "j1").orElseThrow();
            assertThat(there.owner).isEqualTo("ann");     // was null, while the hub holds "ann"
            assertThat(there.done).isTrue();
        }
        hub.close();
        laptopStore.close();
    }

    @Test
    void aRenamedFieldIsAnotherFieldAndTheOldOneKeepsItsValue() {
        Network net = new Network(new Random(3));
        Store hubStore = Store.inMemory();
        Scriber hub = Scriber.builder().clientId("hub").store(hubStore).register(JobWithFinished.class).build();
        Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Job.class).build();
        net.link(a, hub);
        Job job = new Job("j1", "write");
        job.done = true;
        a.create(job);
        net.settle();
        JobWithFinished renamed = hub.find(JobWithFinished.class, "j1").orElseThrow();
        assertThat(renamed.finished).isFalse();          // not carried over from done
        renamed.title = "renamed on the hub";
        hub.save(renamed);
        net.settle();
        assertThat(a.find(Job.class, "j1").orElseThrow().done).isTrue();
        assertThat(fields(hubStore)).singleElement().asString().contains("\"done\":true");
        a.close();
        hub.close();
    }

    private static List<String> fields(Store store) {
        List<String> all = new ArrayList<>();
        store.forEachObject((ObjectState s) -> all.add(s.fields().toString()));
        return all;
    }
}
