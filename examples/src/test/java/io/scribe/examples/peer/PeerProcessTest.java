package io.scribe.examples.peer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Three example peers as separate processes, a hub and two peers, driven through standard input. */
class PeerProcessTest {

    private static final long WAIT_MS = 30_000;

    private final List<Proc> procs = new ArrayList<>();

    /** One running peer: its stdin, and its stdout and stderr lines as they come. */
    static final class Proc {
        final Process process;
        final PrintWriter in;
        final BlockingQueue<String> out = new LinkedBlockingQueue<>();
        final BlockingQueue<String> err = new LinkedBlockingQueue<>();
        final List<String> everything = new java.util.concurrent.CopyOnWriteArrayList<>();

        Proc(List<String> args) throws IOException {
            this(null, peerCommand(args));
        }

        /** Runs {@code command} as typed, in {@code dir} (null: this process's working directory). */
        Proc(java.io.File dir, List<String> command) throws IOException {
            process = new ProcessBuilder(command).directory(dir).start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), out);
            pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), err);
        }

        private static List<String> peerCommand(List<String> args) {
            return peerCommand(List.of(), args);
        }

        /** The JVM flags the file store needs, as this JVM was given them. */
        static List<String> fileStoreFlags() {
            return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports")
                            || a.startsWith("-Dchronicle."))
                    .toList();
        }

        /** The command that runs {@link Peer} on this test's class path, with {@code jvmFlags} before the class. */
        static List<String> peerCommand(List<String> jvmFlags, List<String> args) {
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
            command.addAll(jvmFlags);
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Peer.class.getName()));
            command.addAll(args);
            return command;
        }

        private void pump(BufferedReader reader, BlockingQueue<String> sink) {
            Thread t = new Thread(() -> {
                try {
                    String line;
                    while ((line = reader.readLine()) != null) {
                        sink.add(line);
                        if (sink == out) {
                            everything.add(line);
                        }
                    }
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            t.setDaemon(true);
            t.start();
        }

        void send(String command) {
            in.println(command);
        }

        /** Waits for a stderr line containing {@code text}. */
        void awaitErr(String text) throws InterruptedException {
            long deadline = System.currentTimeMillis() + WAIT_MS;
            List<String> seen = new ArrayList<>();
            while (System.currentTimeMillis() < deadline) {
                String line = err.poll(100, TimeUnit.MILLISECONDS);
                if (line != null) {
                    seen.add(line);
                    if (line.contains(text)) {
                        return;
                    }
                }
            }
            throw new AssertionError("no '" + text + "' on stderr; saw " + seen);
        }

        /** Sends {@code show} and returns its lines, leaving out the changes that arrived meanwhile. */
        List<String> show() throws InterruptedException {
            send("show");
            List<String> lines = new ArrayList<>();
            long deadline = System.currentTimeMillis() + WAIT_MS;
            while (System.currentTimeMillis() < deadline) {
                String line = out.poll(100, TimeUnit.MILLISECONDS);
                if (line == null || line.startsWith("<< ")) {
                    continue;
                }
                lines.add(line);
                if (line.startsWith("# ")) {
                    return lines;
                }
            }
            throw new AssertionError("show did not finish; got " + lines);
        }
    }

    @AfterEach
    void stop() throws Exception {
        quitAll(procs);
    }

    /** Asks every peer to quit, then kills those still running after 10 s. */
    static void quitAll(List<Proc> procs) throws InterruptedException {
        for (Proc p : procs) {
            p.send("quit");
        }
        for (Proc p : procs) {
            if (!p.process.waitFor(10, TimeUnit.SECONDS)) {
                p.process.destroyForcibly();
            }
        }
    }

    private Proc start(String... args) throws IOException {
        Proc p = new Proc(List.of(args));
        procs.add(p);
        return p;
    }

    /** A peer with the JVM flags the file store needs (those this JVM was given). */
    private Proc startWithFileStoreFlags(String... args) throws IOException {
        Proc p = new Proc(null, Proc.peerCommand(Proc.fileStoreFlags(), List.of(args)));
        procs.add(p);
        return p;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Polls {@code show} on every peer until all print {@code expected}. */
    static void awaitShows(List<String> expected, Proc... peers) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        List<List<String>> last = new ArrayList<>();
        while (System.currentTimeMillis() < deadline) {
            last.clear();
            for (Proc p : peers) {
                last.add(p.show());
            }
            if (last.stream().allMatch(expected::equals)) {
                return;
            }
            Thread.sleep(100);
        }
        assertThat(last).as("show output of every peer").allSatisfy(s -> assertThat(s).isEqualTo(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp", "ws", "ws, the hub stating an ack delay"})
    void peersDrivenThroughStdinEndWithTheSameShowOutput(String transport) throws Exception {
        int port = freePort();
        List<String> ws = transport.startsWith("ws") ? List.of("--ws") : List.of();
        List<String> hubArgs = new ArrayList<>(List.of("--id", "hub", "--listen", Integer.toString(port)));
        hubArgs.addAll(ws);
        if (transport.endsWith("ack delay")) {
            hubArgs.addAll(List.of("--receiver-ack-delay", "300ms"));
        }
        Proc hub = start(hubArgs.toArray(String[]::new));
        hub.awaitErr("listening on");
        List<Proc> peers = new ArrayList<>();
        for (String id : List.of("alice", "bob")) {
            List<String> args = new ArrayList<>(List.of("--id", id, "--connect", "127.0.0.1:" + port));
            args.addAll(ws);
            Proc p = start(args.toArray(String[]::new));
            p.awaitErr("connected to hub");
            peers.add(p);
        }
        Proc alice = peers.get(0);
        Proc bob = peers.get(1);

        alice.send("new t1 title=buy milk priority=2");
        alice.send("tag t1 shop");
        bob.send("new t2 title=write the docs priority=1");
        awaitShows(List.of(
                "t1 title=buy milk done=false priority=2 tags=shop",
                "t2 title=write the docs done=false priority=1 tags=",
                "# 2 tasks"), hub, alice, bob);

        bob.send("set t1 done true");
        alice.send("del t2");
        alice.send("new t3 title=call back priority=3");
        awaitShows(List.of(
                "t1 title=buy milk done=true priority=2 tags=shop",
                "t3 title=call back done=false priority=3 tags=",
                "# 2 tasks"), hub, alice, bob);
        // Each peer printed the changes that came from the others as they arrived.
        assertThat(bob.everything).anySatisfy(l -> assertThat(l).startsWith("<< create from alice: t3"));
    }

    @org.junit.jupiter.api.Test
    void compactionOnAPeerThatConnectsIsRefusedInOneLine() throws Exception {
        Proc peer = start("--id", "alice", "--connect", "127.0.0.1:" + freePort(), "--compact-every", "10s");
        assertThat(peer.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(peer.process.exitValue()).isEqualTo(2);
        peer.awaitErr("--compact-every is for a hub (--listen)");
    }

    @org.junit.jupiter.api.Test
    void aReceiverAckDelayOutOfRangeIsRefusedInOneLine() throws Exception {
        Proc hub = start("--id", "hub", "--listen", Integer.toString(freePort()), "--receiver-ack-delay", "11s");
        assertThat(hub.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(hub.process.exitValue()).isEqualTo(2);
        hub.awaitErr("--receiver-ack-delay must be from 0 to 10s: PT11S");
    }

    @ParameterizedTest
    @ValueSource(strings = {"--connect=127.0.0.1:99999", "--connect=127.0.0.1:abc", "--connect=:7000",
            "--listen=99999", "--id= "})
    void aBadPortOrABlankIdIsRefusedInOneLine(String arg) throws Exception {
        List<String> args = new ArrayList<>(List.of(arg));
        args.add(arg.startsWith("--id") ? "--listen=0" : "--id=p");
        Proc peer = new Proc(args);
        procs.add(peer);
        assertThat(peer.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
        assertThat(peer.process.exitValue()).isEqualTo(2);
        List<String> lines = new ArrayList<>();
        peer.err.drainTo(lines);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).matches("(--connect needs HOST:PORT|a port must be|--id must not be blank).*");
    }

    @org.junit.jupiter.api.Test
    void aPortInUseIsRefusedInOneLineAndTheStoreIsLeftUsable(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String store = "file:" + dir.resolve("data");
            Proc peer = startWithFileStoreFlags("--id", "p", "--listen", Integer.toString(taken.getLocalPort()),
                    "--store", store);
            assertThat(peer.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
            assertThat(peer.process.exitValue()).isEqualTo(1);
            peer.awaitErr("scribe-peer: cannot listen on");
            assertThat(peer.err).noneSatisfy(l -> assertThat(l).startsWith("\tat "));
            Proc again = startWithFileStoreFlags("--id", "p", "--listen", Integer.toString(freePort()),
                    "--store", store);
            again.awaitErr("listening on");
            again.send("new t1 title=kept");
            assertThat(again.show()).containsExactly("t1 title=kept done=false priority=0 tags=", "# 1 tasks");
        }
    }

    @org.junit.jupiter.api.Test
    void ctrlCWhileOfflineClosesTheStoreCleanlyAndTheNextStartHasTheChange(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        String store = "file:" + dir.resolve("data");
        String hub = "127.0.0.1:" + freePort();   // no hub there: the peer stays offline, retrying
        Proc peer = startWithFileStoreFlags("--id", "p", "--connect", hub, "--store", store);
        peer.send("new t1 title=written offline");
        assertThat(peer.show()).containsExactly("t1 title=written offline done=false priority=0 tags=", "# 1 tasks");
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(peer.process.pid())).start();
        assertThat(kill.waitFor()).isZero();
        assertThat(peer.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();

        Proc again = startWithFileStoreFlags("--id", "p", "--connect", hub, "--store", store);
        assertThat(again.show()).containsExactly("t1 title=written offline done=false priority=0 tags=", "# 1 tasks");
        // Closed on Ctrl-C as on quit: was "file store ... was not closed cleanly; recovering its files".
        assertThat(again.err).noneSatisfy(l -> assertThat(l).contains("not closed cleanly"));
    }

    @org.junit.jupiter.api.Test
    void aPeerBackAtAHubRestartedOnItsDefaultInMemoryStoreConvergesWithIt(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        int port = freePort();
        Proc hub = start("--id", "hub", "--listen", Integer.toString(port));
        hub.awaitErr("listening on");
        Proc alice = startWithFileStoreFlags("--id", "alice", "--connect", "127.0.0.1:" + port,
                "--store", "file:" + dir.resolve("alice"));
        alice.awaitErr("connected to hub");
        for (int i = 1; i <= 4; i++) {
            hub.send("new h" + i + " title=first hub priority=" + i);
        }
        alice.send("new a1 title=alice's");
        awaitShows(List.of(
                "a1 title=alice's done=false priority=0 tags=",
                "h1 title=first hub done=false priority=1 tags=",
                "h2 title=first hub done=false priority=2 tags=",
                "h3 title=first hub done=false priority=3 tags=",
                "h4 title=first hub done=false priority=4 tags=",
                "# 5 tasks"), hub, alice);

        // The hub quits: its in-memory store goes with it. Started again, it writes at positions 1 and 2 of a new log,
        // below alice's cursor, while alice retries; alice edits meanwhile.
        hub.send("quit");
        assertThat(hub.process.waitFor(WAIT_MS, TimeUnit.MILLISECONDS)).isTrue();
        alice.send("set a1 priority 9");
        Proc again = start("--id", "hub", "--listen", Integer.toString(port));
        again.awaitErr("listening on");
        again.send("new k1 title=second hub");
        again.send("new k2 title=second hub");
        Proc bob = start("--id", "bob", "--connect", "127.0.0.1:" + port);
        bob.awaitErr("connected to hub");
        // What the restarted hub holds, alice's own object given back to it; what only the first hub held is gone
        // from alice too, as from bob, who joined now.
        awaitShows(List.of(
                "a1 title=alice's done=false priority=9 tags=",
                "k1 title=second hub done=false priority=0 tags=",
                "k2 title=second hub done=false priority=0 tags=",
                "# 3 tasks"), again, alice, bob);
        again.send("new k3 title=pushed");
        awaitShows(List.of(
                "a1 title=alice's done=false priority=9 tags=",
                "k1 title=second hub done=false priority=0 tags=",
                "k2 title=second hub done=false priority=0 tags=",
                "k3 title=pushed done=false priority=0 tags=",
                "# 4 tasks"), again, alice, bob);
    }

    @org.junit.jupiter.api.Test
    void twoSyncroPeersAndTwoScribePeersOnOneHostConverge() throws Exception {
        int port = freePort();
        int syncroPort = freePort();
        Proc hub = start("--id", "hub", "--listen", Integer.toString(port), "--syncro-listen",
                Integer.toString(syncroPort));
        hub.awaitErr("listening for Syncro peers");
        // Before any Syncro peer connected, the hub refuses a task too big for their u16 frames.
        String huge = "x".repeat(70_000);
        hub.send("new big title=" + huge);
        hub.awaitErr("needs a frame of");
        Proc alice = start("--id", "alice", "--connect", "127.0.0.1:" + port);
        Proc bob = start("--id", "bob", "--connect", "127.0.0.1:" + port);
        // Two Syncro-framed peers from the same host: the hub names each connection anew, so they never share a
        // client, a cursor or a session.
        Proc carol = start("--id", "carol", "--framing", "u16", "--connect", "127.0.0.1:" + syncroPort);
        Proc dave = start("--id", "dave", "--framing", "u16", "--connect", "127.0.0.1:" + syncroPort);
        for (Proc p : List.of(alice, bob, carol, dave)) {
            p.awaitErr("connected to");
        }
        // alice speaks u32: her own peer records one, the hub refuses it (413, never stored) and she removes it.
        alice.send("new big2 title=" + huge);
        hub.awaitErr("[413]");
        alice.send("new t1 title=from alice priority=1");
        carol.send("new t2 title=from carol priority=2");
        dave.send("new t3 title=from dave priority=3");
        List<String> all = List.of(
                "t1 title=from alice done=false priority=1 tags=",
                "t2 title=from carol done=false priority=2 tags=",
                "t3 title=from dave done=false priority=3 tags=",
                "# 3 tasks");
        awaitShows(all, hub, alice, bob, carol, dave);
        // carol's process ends and a new one starts empty: a new connection, a full catch-up with its own task, and
        // the changes made after it.
        carol.send("quit");
        assertThat(carol.process.waitFor(10, TimeUnit.SECONDS)).as("carol quit").isTrue();
        Proc carol2 = start("--id", "carol", "--framing", "u16", "--connect", "127.0.0.1:" + syncroPort);
        carol2.awaitErr("connected to");
        awaitShows(all, carol2);
        bob.send("set t2 done true");
        dave.send("set t1 priority 5");
        awaitShows(List.of(
                "t1 title=from alice done=false priority=5 tags=",
                "t2 title=from carol done=true priority=2 tags=",
                "t3 title=from dave done=false priority=3 tags=",
                "# 3 tasks"), hub, alice, bob, carol2, dave);
    }
}
