package io.scribe.examples.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.util.List;
import io.scribe.examples.peer.PeerProcessTest.Proc;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example-peer commands as a user types them, from the project root, against the built jar: a hub and
 * a peer on file stores, the hub restarted, its tasks still there and nothing recovered.
 */
class ReadmeCommandsIT {

    private final List<Proc> procs = new java.util.ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void stop() throws Exception {
        PeerProcessTest.quitAll(procs);
    }


    @TempDir
    Path tmp;

    private static final File ROOT = Path.of(System.getProperty("user.dir")).getParent().toFile();

    private Proc run(String line) throws Exception {
        List<String> words = List.of(line.split(" "));
        assertThat(words.get(0)).isEqualTo("java");
        List<String> command = new java.util.ArrayList<>(words);
        command.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Proc p = new Proc(ROOT, command);
        procs.add(p);
        return p;
    }

    @Test
    void peersOnFileStoresKeepTheirTasksAcrossARestart() throws Exception {
        int port = PeerProcessTest.freePort();
        String hubLine = "java -jar examples/target/scribe-examples.jar peer --id hub --listen " + port
                + " --store file:" + tmp.resolve("hub");
        Proc hub = run(hubLine);
        hub.awaitErr("listening on");
        Proc alice = run("java -jar examples/target/scribe-examples.jar peer --id alice --connect 127.0.0.1:" + port
                + " --store file:" + tmp.resolve("alice"));
        try {
            alice.awaitErr("connected to hub");
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; hub alive: " + hub.process.isAlive() + ", hub's stderr since: "
                    + new java.util.ArrayList<>(hub.err), e);
        }
        alice.send("new t1 title=buy milk priority=2");
        PeerProcessTest.awaitShows(List.of("t1 title=buy milk done=false priority=2 tags=", "# 1 tasks"), hub, alice);

        hub.send("quit");
        assertThat(hub.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(hub.process.exitValue()).isZero();
        Proc again = run(hubLine);
        again.awaitErr("listening on");
        PeerProcessTest.awaitShows(List.of("t1 title=buy milk done=false priority=2 tags=", "# 1 tasks"), again);
        assertThat(again.err).noneSatisfy(l -> assertThat(l).containsAnyOf("WARN", "Exception", "recover"));
    }
}
