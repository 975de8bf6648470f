package com.example.todo;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.testkit.TestNetwork;
import io.scribe.testkit.junit.ScribeExtension;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What an application sees once it depends on Scribe through the BOM. */
@ExtendWith(ScribeExtension.class)
class TodoTest {

    @TempDir
    Path tmp;

    @Test
    void buildTimeEnhancedObjectsReplicateWithoutExplicitCalls(TestNetwork net) {
        Scriber laptop = net.peer("laptop", Todo.class);
        Scriber phone = net.peer("phone", Todo.class);
        net.link(laptop, phone);

        Todo todo = laptop.call(() -> new Todo("write the docs"));
        laptop.run(() -> {
            todo.complete();
            todo.tag("docs");
        });
        net.assertConverged();

        Todo there = phone.find(Todo.class, todo.id()).orElseThrow();
        assertThat(there.title()).isEqualTo("write the docs");
        assertThat(there.done()).isTrue();
        assertThat(there.tags()).containsExactly("docs");
    }

    @Test
    void theFileStoreKeepsObjectsAcrossARestartAndIsClosedByItsScriber() {
        String url = "file:" + tmp.resolve("data");
        String id;
        try (Scriber peer = Scriber.builder().clientId("laptop").store(url).register(Todo.class).build()) {
            id = peer.call(() -> new Todo("survive a restart")).id();
        }
        try (Scriber again = Scriber.builder().clientId("laptop").store(url).register(Todo.class).build()) {
            assertThat(again.find(Todo.class, id)).hasValueSatisfying(t -> assertThat(t.title())
                    .isEqualTo("survive a restart"));
        }
    }

    @Test
    void theAppRunsWithItsRuntimeClassPathWhichHasNoByteBuddy() throws Exception {
        String runtime = Files.readString(Path.of("target", "runtime-classpath.txt")).strip();
        assertThat(runtime).contains("scribe-core").doesNotContain("byte-buddy");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path data = tmp.resolve("app");
        run(javaBin, runtime, data, "first");
        String out = run(javaBin, runtime, data, "second");
        // created by enhanced constructors, completed by an enhanced method, kept by the file store across runs
        assertThat(out.lines()).containsExactly("first (done)", "second (done)");
    }

    private static String run(String javaBin, String runtime, Path data, String title) throws Exception {
        Process p = new ProcessBuilder(javaBin, "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
                "-cp", "target/classes" + File.pathSeparator + runtime, Main.class.getName(), data.toString(), title)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out).doesNotContain("Exception");
        return out.lines().filter(l -> !l.contains(" INFO ") && !l.startsWith("SLF4J")).collect(
                java.util.stream.Collectors.joining("\n"));
    }

    @Test
    void nothingEarlyAccessOrSnapshotIsResolvedBesidesScribeItself() {
        Pattern unreleased = Pattern.compile(".*-\\d+(\\.\\d+)*(ea\\d*|-SNAPSHOT)\\.jar");
        List<String> jars = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        assertThat(jars).anySatisfy(j -> assertThat(j).contains("chronicle-map"));
        assertThat(jars).filteredOn(j -> unreleased.matcher(j).matches())
                .allSatisfy(j -> assertThat(Path.of(j).getFileName().toString()).startsWith("scribe-"));
    }
}
