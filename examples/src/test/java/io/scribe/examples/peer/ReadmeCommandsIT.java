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
 * a peer on file stores, the hub restarted, its tasks still there and nothing recovered; and the Syncro section's
 * commands, read from the README itself, with the hub naming its Syncro peers by host.
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

    @Test
    void theJarsHelpNamesItsCommandsAndAnUnknownArgumentIsRefused() throws Exception {
        Proc help = run("java -jar examples/target/scribe-examples.jar --help");
        assertThat(help.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(help.process.exitValue()).isZero();
        Thread.sleep(500);   // the pumps read to the end of the streams
        assertThat(help.everything).anySatisfy(l -> assertThat(l).contains("Usage: java -jar scribe-examples.jar"))
                .anySatisfy(l -> assertThat(l).contains("peer OPTIONS"))
                .noneSatisfy(l -> assertThat(l).contains("laptop created"));

        Proc wrong = run("java -jar examples/target/scribe-examples.jar --hlep");
        assertThat(wrong.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(wrong.process.exitValue()).isEqualTo(2);
        Thread.sleep(500);
        assertThat(wrong.err).anySatisfy(l -> assertThat(l).isEqualTo("scribe-examples: unknown argument --hlep"));
        assertThat(wrong.everything).noneSatisfy(l -> assertThat(l).contains("laptop created"));
    }

    /** The README's commands in the example peer's section that contain every one of {@code words}. */
    private static List<String> readmeCommands(String... words) throws Exception {
        String readme = java.nio.file.Files.readString(ROOT.toPath().resolve("README.md"));
        String section = readme.substring(readme.indexOf("### The example peer"));
        section = section.substring(0, section.indexOf("\n### ", 1));
        List<String> lines = new java.util.ArrayList<>();
        for (String line : section.split("\n")) {
            if (line.startsWith("java ") && java.util.Arrays.stream(words).allMatch(line::contains)) {
                lines.add(line.strip());
            }
        }
        return lines;
    }

    @Test
    void theReadmesSyncroCommandsWithSyncroNameHostConverge() throws Exception {
        List<String> hubs = readmeCommands("--syncro-listen 7001", "--syncro-name host");
        assertThat(hubs).as("the README's hub line with --syncro-name host").hasSize(1);
        List<String> alices = readmeCommands("--id alice", "127.0.0.1:7000");
        List<String> carols = readmeCommands("--framing u16", "127.0.0.1:7001");
        assertThat(alices).isNotEmpty();
        assertThat(carols).hasSize(1);
        int port = PeerProcessTest.freePort();
        int syncroPort = PeerProcessTest.freePort();
        java.util.function.UnaryOperator<String> ports =
                l -> l.replace("7001", Integer.toString(syncroPort)).replace("7000", Integer.toString(port));

        Proc hub = run(ports.apply(hubs.get(0)));
        hub.awaitErr("listening for Syncro peers");
        Proc alice = run(ports.apply(alices.get(0)));
        alice.awaitErr("connected to hub");
        Proc carol = run(ports.apply(carols.get(0)));
        carol.awaitErr("connected to");
        alice.send("new t1 title=from alice priority=1");
        carol.send("new t2 title=from carol priority=2");
        List<String> both = List.of(
                "t1 title=from alice done=false priority=1 tags=",
                "t2 title=from carol done=false priority=2 tags=",
                "# 2 tasks");
        PeerProcessTest.awaitShows(both, hub, alice, carol);
        // The hub names carol by her host, whatever her connection.
        assertThat(hub.everything).contains("<< create from syncro-127.0.0.1: t2 title=from carol done=false"
                + " priority=2 tags=");

        // carol starts again, empty, under the same name: she gets everything back, and her changes go on.
        carol.send("quit");
        assertThat(carol.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Proc carol2 = run(ports.apply(carols.get(0)));
        carol2.awaitErr("connected to");
        PeerProcessTest.awaitShows(both, carol2);
        carol2.send("set t1 done true");
        PeerProcessTest.awaitShows(List.of(
                "t1 title=from alice done=true priority=1 tags=",
                "t2 title=from carol done=false priority=2 tags=",
                "# 2 tasks"), hub, alice, carol2);
        assertThat(hub.everything).contains("<< update from syncro-127.0.0.1: t1 title=from alice done=true"
                + " priority=1 tags=");
    }
}
