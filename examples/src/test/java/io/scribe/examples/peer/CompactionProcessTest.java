package io.scribe.examples.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.examples.peer.PeerProcessTest.Proc;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction across processes: a hub on a file store compacting every 200 ms with a retention of 1 s, a peer that
 * quits and comes back after the window, the hub killed (SIGKILL) and restarted on its store, and a new peer. Each
 * peer is a child JVM over TCP, driven through standard input and compared by {@code show}; the hub's {@code log}
 * command shows its log compacted.
 */
class CompactionProcessTest {

    private static final long WAIT_MS = 30_000;
    private static final Pattern LOG = Pattern.compile("# log: (\\d+) scribes \\(ids (none|(\\d+)\\.\\.(\\d+))\\),"
            + " last id (\\d+), compacted through (\\d+), (\\d+) objects, (\\d+) tombstones");

    @TempDir
    Path tmp;

    private final List<Proc> procs = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        PeerProcessTest.quitAll(procs);
    }

    /** A peer on this test's class path, with the JVM flags the file store needs (those this JVM was given). */
    private Proc start(String... args) throws Exception {
        Proc p = new Proc(null, Proc.peerCommand(Proc.fileStoreFlags(), List.of(args)));
        procs.add(p);
        return p;
    }

    /** What the {@code log} command printed. */
    record Log(long scribes, long first, long last, long lastId, long compacted, long objects, long tombstones,
            String line) {}

    /** Sends {@code log} and returns its line, leaving out the changes that arrived meanwhile. */
    private static Log log(Proc p) throws InterruptedException {
        p.send("log");
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            String line = p.out.poll(100, TimeUnit.MILLISECONDS);
            if (line == null || !line.startsWith("# log: ")) {
                continue;
            }
            Matcher m = LOG.matcher(line);
            assertThat(m.matches()).as("log line %s", line).isTrue();
            boolean none = m.group(3) == null;
            return new Log(Long.parseLong(m.group(1)), none ? 0 : Long.parseLong(m.group(3)),
                    none ? 0 : Long.parseLong(m.group(4)), Long.parseLong(m.group(5)), Long.parseLong(m.group(6)),
                    Long.parseLong(m.group(7)), Long.parseLong(m.group(8)), line);
        }
        throw new AssertionError("no log line");
    }

    /** Polls {@code log} until it satisfies {@code condition}; returns that log. */
    private static Log awaitLog(Proc p, String what, Predicate<Log> condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        Log last = null;
        while (System.currentTimeMillis() < deadline) {
            last = log(p);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the log never became " + what + "; last: " + last.line());
    }

    @Test
    void aPeerBackAfterTheRetentionAndANewOneConvergeWithAHubKilledAndRestartedOnItsCompactedStore()
            throws Exception {
        int port = PeerProcessTest.freePort();
        String hubStore = "file:" + tmp.resolve("hub");
        String[] hubArgs = {"--id", "hub", "--listen", Integer.toString(port), "--store", hubStore,
                "--compact-every", "200ms", "--retention", "1s"};
        String[] bobArgs = {"--id", "bob", "--connect", "127.0.0.1:" + port, "--store", "file:" + tmp.resolve("bob")};
        Proc hub = start(hubArgs);
        hub.awaitErr("listening on");
        Proc alice = start("--id", "alice", "--connect", "127.0.0.1:" + port);
        alice.awaitErr("connected to hub");

        alice.send("new t1 title=buy milk priority=2");
        alice.send("new t2 title=old plan priority=1");
        alice.send("new t3 title=call back priority=3");
        alice.send("tag t1 shop");
        alice.send("set t3 priority 4");
        alice.send("del t2");
        List<String> beforeBob = List.of(
                "t1 title=buy milk done=false priority=2 tags=shop",
                "t3 title=call back done=false priority=4 tags=",
                "# 2 tasks");
        PeerProcessTest.awaitShows(beforeBob, hub, alice);

        // bob syncs on his own store and quits: for the retention window, his position holds the hub's log back.
        Proc bob = start(bobArgs);
        bob.awaitErr("connected to hub");
        PeerProcessTest.awaitShows(beforeBob, bob);
        Log atBob = log(hub);
        Log bobsStore = log(bob);
        bob.send("quit");
        assertThat(bob.process.waitFor(30, TimeUnit.SECONDS)).as("bob quit").isTrue();
        assertThat(bob.process.exitValue()).isZero();

        // While bob is away, alice destroys t3 (which bob holds) and keeps editing for longer than the retention.
        alice.send("del t3");
        int priority = 10;
        long until = System.currentTimeMillis() + 2_500;
        while (System.currentTimeMillis() < until) {
            alice.send("set t1 priority " + priority++);
            Thread.sleep(150);
        }
        alice.send("new t4 title=after bob priority=5");
        String t1 = "t1 title=buy milk done=false priority=" + (priority - 1) + " tags=shop";
        PeerProcessTest.awaitShows(List.of(t1, "t4 title=after bob done=false priority=5 tags=", "# 2 tasks"), hub,
                alice);
        // The hub compacted past bob's position, and the tombstones of t2 and t3 went with their scribes.
        Log compacted = awaitLog(hub, "compacted past bob's position without tombstones",
                l -> l.compacted() > atBob.lastId() && l.tombstones() == 0
                        && l.scribes() == l.lastId() - l.compacted());
        assertThat(compacted.first()).as(compacted.line()).isIn(0L, compacted.compacted() + 1);
        assertThat(compacted.objects()).as(compacted.line()).isEqualTo(2);

        // The hub is killed; alice edits while it is down; the hub restarts on the same store, still compacted.
        hub.process.destroyForcibly();
        assertThat(hub.process.waitFor(30, TimeUnit.SECONDS)).as("hub killed").isTrue();
        alice.send("set t4 done true");
        Proc hub2 = start(hubArgs);
        hub2.awaitErr("listening on");
        Log restarted = log(hub2);
        assertThat(restarted.compacted()).as(restarted.line()).isGreaterThanOrEqualTo(compacted.compacted());
        assertThat(restarted.tombstones()).as(restarted.line()).isZero();
        alice.awaitErr("connected to hub");
        List<String> all = List.of(t1, "t4 title=after bob done=true priority=5 tags=", "# 2 tasks");
        PeerProcessTest.awaitShows(all, hub2, alice);

        // bob comes back after the window on his own store: a snapshot, and t3, destroyed meanwhile, is gone.
        Proc bob2 = start(bobArgs);
        bob2.awaitErr("connected to hub");
        PeerProcessTest.awaitShows(all, hub2, alice, bob2);
        // t3 was forgotten, leaving no tombstone: had bob been sent its destroy from the log, he would keep one.
        Log bobsStoreAfter = log(bob2);
        assertThat(bobsStoreAfter.tombstones()).as(bobsStoreAfter.line()).isEqualTo(bobsStore.tombstones());
        assertThat(bobsStoreAfter.objects()).as(bobsStoreAfter.line()).isEqualTo(2);
        // A new peer joins the compacted hub and converges too.
        Proc carol = start("--id", "carol", "--connect", "127.0.0.1:" + port);
        carol.awaitErr("connected to hub");
        PeerProcessTest.awaitShows(all, hub2, alice, bob2, carol);

        // Changes go on from every peer after the snapshots.
        bob2.send("tag t4 later");
        carol.send("set t1 done true");
        List<String> end = List.of("t1 title=buy milk done=true priority=" + (priority - 1) + " tags=shop",
                "t4 title=after bob done=true priority=5 tags=later", "# 2 tasks");
        PeerProcessTest.awaitShows(end, hub2, alice, bob2, carol);
        Log last = awaitLog(hub2, "compacted further", l -> l.compacted() > restarted.compacted());
        assertThat(last.tombstones()).as(last.line()).isZero();
    }
}
