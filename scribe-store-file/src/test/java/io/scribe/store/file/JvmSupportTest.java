package io.scribe.store.file;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user meets when the JVM cannot run Chronicle Map: one line naming the fix, not an
 * ExceptionInInitializerError. Each case runs a JVM of its own, as a user's program would.
 */
class JvmSupportTest {

    @TempDir
    Path tmp;

    record Run(int exit, String out, String err) {}

    private Run open(Path javaHome, String... flags) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(javaHome.resolve("bin").resolve("java").toString());
        command.addAll(List.of(flags));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), OpenStoreMain.class.getName(),
                tmp.resolve("store").toString()));
        Process p = new ProcessBuilder(command).redirectError(tmp.resolve("err.txt").toFile())
                .redirectOutput(tmp.resolve("out.txt").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM ended").isTrue();
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    private static Path thisJdk() {
        return Path.of(System.getProperty("java.home"));
    }

    @Test
    void withoutTheFlagsTheStoreNamesThemInOneLine() throws Exception {
        Run run = open(thisJdk());
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err().strip()).isEqualTo("the file store (Chronicle Map) needs these JVM flags: "
                + "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED "
                + "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED (an executable jar can carry them as "
                + "Add-Opens/Add-Exports manifest entries)");
        assertThat(Files.exists(tmp.resolve("store").resolve("log.cm"))).as("nothing created").isFalse();
    }

    @Test
    void withTheFlagsItOpensWithoutBannerOrWarnings() throws Exception {
        Run run = open(thisJdk(), "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().strip()).isEqualTo("opened");
        // a second open after a clean close: no recovery, so nothing at WARN or above
        run = open(thisJdk(), "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).doesNotContain("WARN", "recover", "Exception");
    }

    @Test
    void onJdk25TheStoreSaysItDoesNotRunThere() throws Exception {
        Path jdk25;
        try (Stream<Path> jdks = Files.list(Path.of("/usr/lib/jvm"))) {
            jdk25 = jdks.filter(p -> p.getFileName().toString().contains("25")
                    && Files.isExecutable(p.resolve("bin/java"))).findFirst().orElse(null);
        } catch (IOException e) {
            jdk25 = null;
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(jdk25 != null, "no JDK 25 under /usr/lib/jvm");
        Run run = open(jdk25, "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.err().strip()).startsWith("the file store (Chronicle Map 3.23) does not run on Java 25:");
    }
}
