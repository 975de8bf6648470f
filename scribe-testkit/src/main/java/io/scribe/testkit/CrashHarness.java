package io.scribe.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.Connection;
import io.scribe.core.spi.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link CrashPeer} as a child JVM on a durable store, feeds it changes from a partner in this JVM (in-memory
 * store), kills it with SIGKILL while changes stream in, changes more while it is down, restarts it on the same
 * store, and checks that it ends equal to the partner with every change stored exactly once.
 */
public final class CrashHarness {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> JVM_FLAGS = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1",
            "-Dchronicle.analytics.disable=true", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    private final String storeUrl;
    private final Path stderr;
    private final Scriber partner =
            Scriber.builder().clientId("parent").store(Store.inMemory()).register(CrashPeer.Note.class).build();
    private final List<CrashPeer.Note> notes = new ArrayList<>();
    private final Random random = new Random(5);

    private Process child;
    private Session session;
    private Thread pump;

    public CrashHarness(String storeUrl, Path workDir) {
        this.storeUrl = storeUrl;
        this.stderr = workDir.resolve("child-stderr.txt");
    }

    public void run() throws Exception {
        try {
            start();
            change(40);
            awaitChildEqual();

            // Kill the child while a stream of changes is reaching it.
            Thread killer = new Thread(() -> {
                sleep(40);
                child.destroyForcibly();
            });
            killer.start();
            for (int i = 0; i < 80; i++) {
                change(1);
                sleep(1);
            }
            killer.join();
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isEqualTo(137);
            stop();

            change(30);
            start();
            change(10);
            awaitChildEqual();

            // A clean exit (stdin closed), then the store must hold every change exactly once.
            child.getOutputStream().close();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            stop();
        } catch (Throwable t) {
            if (child != null) {
                child.destroyForcibly();
            }
            if (Files.exists(stderr)) {
                System.err.println("child stderr:\n" + Files.readString(stderr));
            }
            throw t;
        } finally {
            partner.close();
        }
        try (Store store = Store.open(storeUrl)) {
            List<Scribe> log = new ArrayList<>();
            long after = 0;
            for (List<Scribe> page; !(page = store.readAfter(after, 100)).isEmpty(); ) {
                log.addAll(page);
                after = Long.parseLong(page.get(page.size() - 1).id());
            }
            assertThat(log).hasSize((int) partner.lastScribeId());
            Set<Long> clocks = new HashSet<>();
            log.forEach(s -> clocks.add(s.clock()));
            assertThat(clocks).as("no change stored twice").hasSize(log.size());
            try (Scriber restored = Scriber.builder().clientId("child").store(store)
                    .register(CrashPeer.Note.class).build()) {
                assertThat(CrashPeer.dump(restored.all(CrashPeer.Note.class))).isEqualTo(expected());
            }
        }
    }

    private JsonNode expected() {
        return CrashPeer.dump(partner.all(CrashPeer.Note.class));
    }

    /** Makes {@code n} changes on the partner: creates and updates. */
    private void change(int n) {
        for (int i = 0; i < n; i++) {
            if (notes.isEmpty() || random.nextInt(3) == 0) {
                notes.add(partner.create(new CrashPeer.Note(null, "note " + notes.size())));
            } else {
                CrashPeer.Note note = notes.get(random.nextInt(notes.size()));
                note.version++;
                note.text = "edited " + note.version;
                partner.save(note);
            }
        }
    }

    private void start() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CrashPeer.class.getName());
        command.add(storeUrl);
        child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile())).start();
        OutputStream toChild = child.getOutputStream();
        session = partner.client("child").connect(new Connection() {
            @Override
            public void send(byte[] frame) {
                try {
                    synchronized (toChild) {
                        toChild.write(frame);
                        toChild.flush();
                    }
                } catch (IOException e) {
                    // The child is gone: what it did not get, it catches up on after its restart.
                }
            }

            @Override
            public void close() {}
        });
        Session mine = session;
        InputStream fromChild = child.getInputStream();
        pump = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = fromChild.read(buf)) >= 0) {
                    mine.receiveData(buf, 0, n);
                }
            } catch (IOException e) {
                // The child died.
            }
        }, "crash-harness-pump");
        pump.setDaemon(true);
        pump.start();
        session.sync();
    }

    private void stop() throws InterruptedException {
        pump.join(10_000);
        session.disconnect();
    }

    private void awaitChildEqual() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            if (!child.isAlive()) {
                throw new AssertionError("child exited with " + child.exitValue());
            }
            try {
                var answer = session.request(JSON.createObjectNode().put("type", "dump"));
                var flushed = session.noop(); // sends the queued request along with it
                last = answer.get(5, TimeUnit.SECONDS).path("result");
                flushed.get(5, TimeUnit.SECONDS);
                if (last.equals(expected())) {
                    return;
                }
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Not answering yet (starting up): ask again.
            }
            Thread.sleep(100);
        }
        assertThat(last).as("child's notes").isEqualTo(expected());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
