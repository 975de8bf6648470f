package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Scribe;
import io.scribe.core.spi.Store;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Kills processes that write to one durable store with SIGKILL at random points, of their start-up (opening,
 * recovering, creating or migrating the store) as well as of their commits, many times over, then checks the store:
 * it opens, every acknowledged commit is there exactly once with the ids it was given, a commit in flight at a kill is
 * there entirely or not at all, nothing else is there, and the objects and the cursor are what the commits that are
 * there made them (no write lost, no destroyed object back).
 *
 * <p>Each child is a {@link StoreWriter}; the first one creates the store when the URL names a new one. A child that
 * exits by itself (it could not open the store, a commit failed) fails the run with its standard error.
 */
public final class StoreKillHarness {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_MILLIS = 120_000;
    /** Commits per child: enough to be killed in the middle of, few enough to keep the store small. */
    private static final int COMMITS_PER_CHILD = 200;

    private final String storeUrl;
    private final Path stderr;
    private final Random random;
    private final Map<String, Plan> plans = new LinkedHashMap<>();
    private int runs;
    /** How long the last child took to open the store (a first guess until one did). */
    private long openMillis = 1000;
    private int startupKills;
    private int commitKills;

    /** One commit a child announced. */
    private static final class Plan {
        final List<String> tags = new ArrayList<>();
        final Map<String, String> objects = new LinkedHashMap<>();
        String cursor;
        Long firstId;
    }

    /**
     * @param storeUrl the store, as {@link Store#open(String)} takes it
     * @param workDir where the children's standard error is kept
     * @param seed the seed of the kill points and of the children's choices
     */
    public StoreKillHarness(String storeUrl, Path workDir, long seed) {
        this.storeUrl = storeUrl;
        this.stderr = workDir.resolve("writer-stderr-" + Math.abs(storeUrl.hashCode()) + ".txt");
        this.random = new Random(seed);
    }

    /** How many kills so far landed before the store was open, and how many after. */
    public record Kills(int duringStartup, int duringCommits) {
        public int total() {
            return duringStartup + duringCommits;
        }
    }

    /**
     * The number of kills a test should run per store: the system property {@code scribe.kills}, 6 when unset (a
     * short run for the default build; set it to hundreds for a long one).
     */
    public static int killsPerStore() {
        return Integer.getInteger("scribe.kills", 6);
    }

    /**
     * Starts {@code kills} children one after the other and kills each: the first, and about two in five of the
     * others, at a random point of start-up (up to as long after it began as the last opening took), the rest after a
     * random number of acknowledged commits (0 to 40; the last one at least 5). Then {@link #verify()}.
     */
    public Kills run(int kills) throws Exception {
        for (int k = 0; k < kills; k++) {
            Child child = start();
            try {
                if (k < kills - 1 && (k == 0 || random.nextInt(5) < 2)) {
                    child.await(c -> c.opening);
                    sleepMicros((long) (random.nextDouble() * openMillis * 1000));
                } else {
                    child.await(c -> c.opened);
                    int acks = (k == kills - 1 ? 5 : 0) + random.nextInt(41);
                    child.await(c -> c.acks >= acks);
                    sleepMicros(random.nextInt(2000));
                }
                child.kill();
            } catch (Throwable t) {
                child.process.destroyForcibly();
                throw t;
            }
        }
        verify();
        return kills();
    }

    /** The kills so far. */
    public Kills kills() {
        return new Kills(startupKills, commitKills);
    }

    /** Starts a child that makes up to 200 commits, then waits to be killed. */
    public Child start() throws IOException {
        return start(COMMITS_PER_CHILD);
    }

    /** Starts a child that makes up to {@code commits} commits, then waits to be killed. */
    public Child start(int commits) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(CrashHarness.JVM_FLAGS);
        // The JVM's own warnings go to stdout unless told otherwise; stdout carries the child's reports.
        command.add("-XX:+DisplayVMOutputToStderr");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(StoreWriter.class.getName());
        command.add(storeUrl);
        command.add(Integer.toString(runs));
        command.add(Long.toString(random.nextLong()));
        command.add(Integer.toString(commits));
        Path report = stderr.resolveSibling("writer-report-" + Math.abs(storeUrl.hashCode()) + "-" + runs + ".txt");
        Files.deleteIfExists(report);
        command.add(report.toString());
        runs++;
        Files.writeString(stderr, "--- run " + (runs - 1) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()))
                .start();
        return new Child(p, report);
    }

    /** A running {@link StoreWriter}. */
    public final class Child {
        final Process process;
        final Path report;
        boolean opening;
        boolean opened;
        int acks;
        boolean ended;
        Throwable broken;

        Child(Process process, Path report) {
            this.process = process;
            this.report = report;
            Thread reader = new Thread(this::read, "store-writer-reader");
            reader.setDaemon(true);
            reader.start();
        }

        /** The process. */
        public Process process() {
            return process;
        }

        /** Whether the child has said that the store is open. */
        public synchronized boolean isOpen() {
            return opened;
        }

        private void read() {
            try (InputStream in = process.getInputStream()) {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    if (b == '\n') {
                        handle(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
                // A line without its newline was cut by the kill: the child had not got past writing it.
            } catch (IOException e) {
                // Killed.
            } catch (RuntimeException | Error e) {
                broken = e;
            } finally {
                synchronized (this) {
                    ended = true;
                    notifyAll();
                }
            }
        }

        private void handle(String line) {
            String[] parts = line.split(" ", 4);
            if (!List.of("opening", "opened", "begin", "ack", "done").contains(parts[0])) {
                throw new AssertionError("the writer wrote a line that is not one of its reports: " + line);
            }
            if (parts[0].equals("opened")) {
                synchronized (StoreKillHarness.this) {
                    openMillis = Math.max(1, Long.parseLong(parts[2]));
                }
            }
            synchronized (this) {
                switch (parts[0]) {
                    case "opening" -> opening = true;
                    case "opened" -> opened = true;
                    case "ack" -> acks++;
                    default -> { }
                }
                notifyAll();
            }
        }

        /** Reads what the dead child reported into the plans: whole lines only (a kill may cut the last one). */
        private void readReport() throws IOException {
            if (!Files.exists(report)) {
                return;
            }
            String text = Files.readString(report, StandardCharsets.UTF_8);
            String[] lines = text.substring(0, text.lastIndexOf('\n') + 1).split("\n");
            synchronized (StoreKillHarness.this) {
                for (String line : lines) {
                    String[] parts = line.split(" ", 4);
                    switch (parts[0]) {
                        case "begin" -> {
                            Plan plan = new Plan();
                            JsonNode json = JSON.readTree(parts[3]);
                            json.get("tags").forEach(t -> plan.tags.add(t.asText()));
                            json.get("objects").fields().forEachRemaining(e -> plan.objects.put(e.getKey(),
                                    e.getValue().isNull() ? null : e.getValue().asText()));
                            plan.cursor = json.get("cursor").asText();
                            plans.put(parts[1] + "." + parts[2], plan);
                        }
                        case "ack" -> {
                            Plan plan = plans.get(parts[1] + "." + parts[2]);
                            if (plan == null) {
                                throw new AssertionError("the writer acknowledged a commit it never began: " + line);
                            }
                            plan.firstId = Long.parseLong(parts[3]);
                        }
                        default -> { }
                    }
                }
            }
            Files.delete(report);
        }

        /** Waits until the child's progress meets {@code condition}; fails if the child ends first. */
        public synchronized void await(Predicate<Child> condition) throws Exception {
            long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
            while (!condition.test(this)) {
                if (broken != null) {
                    throw new AssertionError("reading the writer's reports failed", broken);
                }
                if (ended) {
                    process.waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError("the writer ended by itself (exit " + process.exitValue()
                            + ") before it got there; its stderr:\n" + Files.readString(stderr));
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("the writer did not get there in " + TIMEOUT_MILLIS + " ms; its stderr:\n"
                            + Files.readString(stderr));
                }
                wait(left);
            }
        }

        /** Waits until the child is about to open the store. */
        public void awaitOpening() throws Exception {
            await(c -> c.opening);
        }

        /** Waits until the child said the store is open. */
        public void awaitOpen() throws Exception {
            await(c -> c.opened);
        }

        /** Waits until the child acknowledged {@code n} commits. */
        public void awaitAcks(int n) throws Exception {
            await(c -> c.acks >= n);
        }

        /** SIGKILLs the child and counts the kill; fails if it had already ended by itself. */
        public void kill() throws Exception {
            boolean wasOpen;
            synchronized (this) {
                wasOpen = opened;
            }
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            if (process.exitValue() != 137) {
                throw new AssertionError("the writer exited with " + process.exitValue()
                        + " before it was killed; its stderr:\n" + Files.readString(stderr));
            }
            synchronized (this) {
                while (!ended) {
                    wait();
                }
                if (broken != null) {
                    throw new AssertionError("reading the writer's reports failed", broken);
                }
            }
            readReport();
            synchronized (StoreKillHarness.this) {
                if (wasOpen) {
                    commitKills++;
                } else {
                    startupKills++;
                }
            }
        }
    }

    /**
     * Opens the store in this process and checks it against what the children announced and acknowledged.
     *
     * @throws AssertionError naming what was lost, duplicated, torn or resurrected
     */
    public synchronized void verify() {
        try (Store store = Store.open(storeUrl)) {
            List<Scribe> log = new ArrayList<>();
            for (List<Scribe> page; !(page = store.readAfter(log.size(), 500)).isEmpty(); ) {
                log.addAll(page);
            }
            Map<String, Long> idOfTag = new HashMap<>();
            for (int i = 0; i < log.size(); i++) {
                Scribe s = log.get(i);
                assertThat(s.id()).as("log ids are 1..n").isEqualTo(Long.toString(i + 1));
                String tag = s.data().path("tag").asText();
                Long before = idOfTag.put(tag, (long) i + 1);
                assertThat(before).as("scribe %s stored twice (ids %s and %s)", tag, before, i + 1).isNull();
            }
            Map<String, String> owner = new HashMap<>();
            plans.forEach((key, plan) -> plan.tags.forEach(t -> owner.put(t, key)));
            for (String tag : idOfTag.keySet()) {
                assertThat(owner).as("scribe %s in the store was never committed", tag).containsKey(tag);
            }
            TreeMap<Long, Plan> committed = new TreeMap<>();
            plans.forEach((key, plan) -> {
                long present = plan.tags.stream().filter(idOfTag::containsKey).count();
                if (plan.firstId != null) {
                    assertThat(present).as("acknowledged commit %s lost", key).isEqualTo(plan.tags.size());
                    for (int i = 0; i < plan.tags.size(); i++) {
                        assertThat(idOfTag.get(plan.tags.get(i))).as("id of acknowledged scribe %s", plan.tags.get(i))
                                .isEqualTo(plan.firstId + i);
                    }
                } else {
                    assertThat(present).as("commit %s in flight at a kill is torn", key)
                            .isIn(0L, (long) plan.tags.size());
                }
                if (present > 0) {
                    committed.put(idOfTag.get(plan.tags.get(0)), plan);
                }
            });
            Map<String, String> expected = new TreeMap<>();
            String cursor = null;
            for (Plan plan : committed.values()) {
                expected.putAll(plan.objects);
                cursor = plan.cursor;
            }
            Map<String, String> actual = new TreeMap<>();
            store.forEachObject(o -> actual.put(o.id(), o.destroyed() ? null : o.fields().path("v").asText()));
            assertThat(actual).as("objects (null: destroyed)").isEqualTo(expected);
            assertThat(store.cursor(StoreWriter.CLIENT)).isEqualTo(Optional.ofNullable(cursor));
            long acked = plans.values().stream().filter(p -> p.firstId != null).count();
            assertThat(acked).as("acknowledged commits").isPositive();
        }
    }

    private static void sleepMicros(long micros) {
        try {
            TimeUnit.MICROSECONDS.sleep(micros);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
