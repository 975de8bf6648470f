package io.scribe.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Store;
import io.scribe.testkit.ReadAheadCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static Scribe scribe(String id) {
        return new Scribe(null, "Task", Scribe.Type.CREATE, JSON.createObjectNode().put("id", id), "p", 1, Map.of());
    }

    private static Commit append(Scribe... scribes) {
        return new Commit(List.of(scribes), List.of(), Map.of());
    }

    private Path storeWithOneScribe() {
        Path dir = tmp.resolve("store");
        try (FileStore store = FileStore.open(dir, 1000)) {
            store.commit(append(scribe("a")));
        }
        return dir;
    }

    @Test
    void storeOpenServesFileUrls() {
        Path dir = tmp.resolve("by-url");
        try (Store store = Store.open("file:" + dir + "?entries=1000")) {
            assertThat(store).isInstanceOf(FileStore.class);
            store.commit(append(scribe("a")));
        }
        try (Store store = Store.open("file://" + dir)) {
            assertThat(store.lastId()).isEqualTo(1);
        }
        assertThatThrownBy(() -> Store.open("file:" + dir + "?size=3")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("size=3");
    }

    @Test
    void aScriberClosesTheStoreItOpenedFromAUrlAndLeavesAGivenOneOpen() throws Exception {
        Path dir = tmp.resolve("owned");
        io.scribe.core.Scriber owner = io.scribe.core.Scriber.builder().clientId("p").store("file:" + dir).build();
        owner.close();
        assertThat(dir.resolve("open")).as("closed cleanly: no recovery on the next start").doesNotExist();
        try (FileStore given = FileStore.open(dir, 1000)) {
            io.scribe.core.Scriber.builder().clientId("p").store(given).build().close();
            given.commit(append(scribe("still-open")));
            assertThat(given.lastId()).isEqualTo(1);
        }
    }

    @Test
    void aForeignDirectoryIsNotTouched() throws Exception {
        Path dir = tmp.resolve("photos");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("holiday.jpg"), "not a store");
        assertThatThrownBy(() -> FileStore.open(dir, 1000)).isInstanceOf(ScribeException.class)
                .hasMessageContaining("not a Scribe file store");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(dir.resolve("holiday.jpg"));
        }
    }

    @Test
    void aNewerFormatIsRefused() throws Exception {
        Path dir = storeWithOneScribe();
        Files.writeString(dir.resolve("scribe-store.properties"), "format=scribe-file\nversion=7\n");
        assertThatThrownBy(() -> FileStore.open(dir, 1000)).isInstanceOf(ScribeException.class)
                .hasMessageContaining("version 7, newer");
    }

    @Test
    void aCorruptLogFileIsAClearErrorAndIsLeftAsItWas() throws Exception {
        Path dir = storeWithOneScribe();
        Path file = dir.resolve("log.cm");
        byte[] garbage = new byte[(int) Math.min(Files.size(file), 1 << 20)];
        new Random(42).nextBytes(garbage);
        Files.write(file, garbage);
        assertThatThrownBy(() -> FileStore.open(dir, 1000)).isInstanceOf(ScribeException.class)
                .hasMessageContaining("log.cm");
        assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
    }

    @Test
    void aCorruptLogFileAfterACrashIsAClearErrorAndIsLeftAsItWas() throws Exception {
        Path dir = storeWithOneScribe();
        Files.write(dir.resolve("open"), new byte[0]);
        Path file = dir.resolve("log.cm");
        byte[] garbage = new byte[(int) Math.min(Files.size(file), 1 << 20)];
        new Random(7).nextBytes(garbage);
        Files.write(file, garbage);
        assertThatThrownBy(() -> FileStore.open(dir, 1000)).isInstanceOf(ScribeException.class)
                .hasMessageContaining("log.cm");
        assertThat(Files.readAllBytes(file)).isEqualTo(garbage);
    }

    @Test
    void aForeignChronicleMapIsRefused() throws Exception {
        Path dir = storeWithOneScribe();
        // The cursors file in place of the log: a valid Chronicle Map, of the wrong kind.
        Files.copy(dir.resolve("cursors.cm"), dir.resolve("log.cm"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        byte[] before = Files.readAllBytes(dir.resolve("log.cm"));
        assertThatThrownBy(() -> FileStore.open(dir, 1000)).isInstanceOf(ScribeException.class)
                .hasMessageContaining("log.cm");
        assertThat(Files.readAllBytes(dir.resolve("log.cm"))).isEqualTo(before);
    }

    @Test
    void aSecondOpenerIsRefusedWhileTheFirstHoldsTheDirectory() {
        Path dir = tmp.resolve("store");
        try (FileStore first = FileStore.open(dir, 1000)) {
            assertThatThrownBy(() -> FileStore.open(dir, 1000)).isInstanceOf(ScribeException.class)
                    .hasMessageContaining("open in another");
            first.commit(append(scribe("a")));
        }
        try (FileStore again = FileStore.open(dir, 1000)) {
            assertThat(again.lastId()).isEqualTo(1);
        }
    }

    @Test
    void aStoreLeftOpenIsRecoveredAndKeepsEverything() throws Exception {
        Path dir = storeWithOneScribe();
        Files.write(dir.resolve("open"), new byte[0]);
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.lastId()).isEqualTo(1);
            assertThat(store.commit(append(scribe("b")))).extracting(Scribe::id).containsExactly("2");
        }
    }

    @Test
    void aFirstOpenKilledBeforeItRecordedItsFilesStartsAgain() throws Exception {
        // What a process killed during its first open leaves: map files, the open flag, and a marker that does not
        // yet hold the files' fingerprints (it is rewritten with them once all four exist).
        Path dir = tmp.resolve("store");
        FileStore.open(dir, 1000).close();
        java.util.Properties marker = new java.util.Properties();
        try (var in = Files.newInputStream(dir.resolve("scribe-store.properties"))) {
            marker.load(in);
        }
        marker.stringPropertyNames().stream().filter(k -> k.endsWith(".header")).forEach(marker::remove);
        try (var out = Files.newOutputStream(dir.resolve("scribe-store.properties"))) {
            marker.store(out, null);
        }
        Files.write(dir.resolve("open"), new byte[0]);
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.lastId()).isZero();
            store.commit(append(scribe("a")));
        }
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.readAfter(0, 10)).extracting(s -> s.data().get("id").asText()).containsExactly("a");
        }
    }

    @Test
    void aDirectoryHoldingOnlyAHalfWrittenMarkerIsANewStore() throws Exception {
        Path dir = tmp.resolve("store");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("scribe-store.properties.tmp"), "format=scri");
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.commit(append(scribe("a")))).extracting(Scribe::id).containsExactly("1");
        }
    }

    @Test
    void forEachObjectHandsOutEveryStateEvenWhenTheyHaveTheSameSize() {
        try (FileStore store = FileStore.open(tmp.resolve("store"), 1000)) {
            List<io.scribe.core.spi.ObjectState> states = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                var fields = JSON.createObjectNode().put("id", "o" + (10 + i)).put("title", "t" + (10 + i));
                states.add(new io.scribe.core.spi.ObjectState("Task", "o" + (10 + i), fields, Map.of(), null));
            }
            store.commit(new Commit(List.of(), states, Map.of()));
            java.util.Set<String> seen = new java.util.HashSet<>();
            store.forEachObject(o -> seen.add(o.id() + "=" + o.fields().get("title").asText()));
            assertThat(seen).hasSize(20).contains("o10=t10", "o29=t29");
        }
    }

    @Test
    void forEachObjectHandsOutStatesOfEverySizeAsCommitted() {
        try (FileStore store = FileStore.open(tmp.resolve("store"), 1000)) {
            Map<String, io.scribe.core.spi.ObjectState> states = new java.util.HashMap<>();
            for (int i = 0; i < 40; i++) {
                // From a few bytes to past the 64 KB a segment's states are first copied into.
                String title = "t".repeat(i % 4 == 0 ? 70_000 + i : i);
                var fields = JSON.createObjectNode().put("id", "o" + i).put("title", title).put("n", (i + 1L) << 40);
                states.put("o" + i, new io.scribe.core.spi.ObjectState("Task", "o" + i, fields,
                        Map.of("id", new io.scribe.core.spi.Stamp(i + 1, "p"), "title",
                                new io.scribe.core.spi.Stamp(i + 2, "q", i + 1)), null));
            }
            store.commit(new Commit(List.of(), List.copyOf(states.values()), Map.of()));
            Map<String, io.scribe.core.spi.ObjectState> seen = new java.util.HashMap<>();
            store.forEachObject(o -> assertThat(seen.put(o.id(), o)).isNull());
            assertThat(seen).isEqualTo(states);
        }
    }

    @Test
    void aLargeStoreIsReadAheadAndHandedOutWholeOnTheCallingThread() {
        try (FileStore store = FileStore.open(tmp.resolve("store"), 100_000)) {
            ReadAheadCheck.check(store, ReadAheadCheck.fill(store, 30_000), "scribe-file-read");
        }
    }

    @Test
    void aStoreClosedDuringTheReadAheadSaysSo() {
        FileStore store = FileStore.open(tmp.resolve("store"), 100_000);
        ReadAheadCheck.fill(store, 30_000);
        int[] handed = {0};
        assertThatThrownBy(() -> store.forEachObject(o -> {
            if (++handed[0] == 1) {
                store.close();
            }
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(handed[0]).isLessThan(30_000);
        assertThat(ReadAheadCheck.readerAlive("scribe-file-read")).isFalse();
    }

    @Test
    void aLargeCommitIsSplitAcrossJournalParts() {
        Path dir = tmp.resolve("store");
        String big = "x".repeat(100_000);
        try (FileStore store = FileStore.open(dir, 1000)) {
            Scribe s = new Scribe(null, "Task", Scribe.Type.CREATE, JSON.createObjectNode().put("id", big), "p", 1,
                    Map.of());
            store.commit(append(s, s, s));
        }
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.readAfter(0, 10)).hasSize(3)
                    .allSatisfy(s -> assertThat(s.data().get("id").asText()).hasSize(100_000));
        }
    }

    private static java.util.Properties marker(Path dir) throws Exception {
        java.util.Properties p = new java.util.Properties();
        try (var r = Files.newBufferedReader(dir.resolve("scribe-store.properties"))) {
            p.load(r);
        }
        return p;
    }

    @Test
    void compactionRaisesTheFormatVersionAndRecordsTheMark() throws Exception {
        Path dir = tmp.resolve("compacted");
        try (FileStore store = FileStore.open(dir, 1000)) {
            for (int i = 0; i < 4; i++) {
                store.commit(append(scribe("s" + i)));
            }
            assertThat(marker(dir).getProperty("version")).isEqualTo("1");
            store.compact(4, List.of());
        }
        // A Scribe that does not know the mark would number from 1 again: it refuses version 2.
        assertThat(marker(dir).getProperty("version")).isEqualTo("2");
        assertThat(marker(dir).getProperty("log.compacted")).isEqualTo("4");
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.lastId()).isEqualTo(4);
            assertThat(store.commit(append(scribe("next")))).extracting(Scribe::id).containsExactly("5");
        }
    }

    @Test
    void anOpenFinishesACompactionACrashCutShort() throws Exception {
        Path dir = tmp.resolve("cut-short");
        try (FileStore store = FileStore.open(dir, 1000)) {
            for (int i = 0; i < 10; i++) {
                store.commit(append(scribe("s" + i)));
            }
            store.compact(3, List.of());
        }
        // As a crash leaves it after the mark was raised to 6 and before ids 4..6 were removed.
        java.util.Properties p = marker(dir);
        p.setProperty("log.compacted", "6");
        try (var w = Files.newBufferedWriter(dir.resolve("scribe-store.properties"))) {
            p.store(w, null);
        }
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.lastId()).isEqualTo(10);
            assertThat(store.readAfter(0, 100)).extracting(Scribe::id).containsExactly("7", "8", "9", "10");
            assertThat(store.commit(append(scribe("next")))).extracting(Scribe::id).containsExactly("11");
        }
        try (FileStore store = FileStore.open(dir, 1000)) {
            assertThat(store.lastId()).isEqualTo(11);
            assertThat(store.readAfter(5, 2)).extracting(Scribe::id).containsExactly("7", "8");
        }
    }
}
