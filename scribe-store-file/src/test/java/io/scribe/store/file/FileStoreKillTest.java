package io.scribe.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.testkit.StoreKillHarness;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes writing to a file store are killed with SIGKILL at random points of start-up (creating the files,
 * recovering them after an earlier kill) and of commits; the store always opens again with every acknowledged commit
 * there once, nothing torn, lost or resurrected.
 */
class FileStoreKillTest {

    @TempDir
    Path tmp;

    private String url(String name) {
        return "file:" + tmp.resolve(name) + "?entries=50000";
    }

    @Test
    void survivesKillsAtRandomPointsOfStartUpAndOfCommits() throws Exception {
        int kills = StoreKillHarness.killsPerStore();
        var first = new StoreKillHarness(url("a"), tmp, 11).run((kills + 1) / 2);
        var second = new StoreKillHarness(url("b"), tmp, 12).run(kills / 2);
        System.out.printf("file store: %d kills during start-up, %d during commits%n",
                first.duringStartup() + second.duringStartup(), first.duringCommits() + second.duringCommits());
        assertThat(first.total() + second.total()).isEqualTo(kills);
    }

    @Test
    void aStoreKilledWhileItRecoversFromAnEarlierKillOpensWithEverything() throws Exception {
        Path dir = tmp.resolve("store");
        StoreKillHarness harness = new StoreKillHarness("file:" + dir + "?entries=50000", tmp, 3);
        StoreKillHarness.Child writer = harness.start(100_000);
        writer.awaitAcks(2000);
        writer.kill();
        int killedWhileRecovering = 0;
        for (int attempt = 0; attempt < 6 && killedWhileRecovering < 2; attempt++) {
            StoreKillHarness.Child recovering = harness.start();
            recovering.awaitOpening();
            while (!recovering.isOpen() && recovering.process().isAlive()) {
                if (aMapIsBeingRecovered(dir)) {
                    recovering.kill();
                    killedWhileRecovering++;
                    break;
                }
                Thread.onSpinWait();
            }
            if (recovering.process().isAlive()) {
                recovering.awaitAcks(1);
                recovering.kill();
            }
        }
        assertThat(killedWhileRecovering).as("kills while Chronicle Map recovered a file").isPositive();
        harness.verify();
    }

    /** Whether a map file's header says Chronicle Map is recovering (or creating) it. */
    private static boolean aMapIsBeingRecovered(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().contains(".cm")).toList();
        }
        for (Path file : files) {
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                ByteBuffer word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                if (ch.read(word, 8) == 4 && (word.getInt(0) & 0x8000_0000) != 0) {
                    return true;
                }
            } catch (IOException e) {
                // Renamed or deleted while we looked.
            }
        }
        return false;
    }
}
