package com.example.notes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app started as a named module, {@code java --module-path ... -m com.example.notes/...}, in its own JVM. */
class ModulePathTest {

    private static final String MAIN = "com.example.notes/com.example.notes.Main";
    private static final String RECEIVED = "hub: edited on the laptop";
    private static final String MODULES = "modules: com.example.notes, io.scribe.core, io.scribe.transport.netty";

    @TempDir
    Path tmp;

    @Test
    void theAppEnhancedAtBuildTimeReplicatesOnTheModulePathWithoutByteBuddy() throws Exception {
        assertThat(modulePath()).contains("scribe-core").doesNotContain("byte-buddy");

        Result run = java("--module-path", "target/classes" + File.pathSeparator + modulePath(), "-m", MAIN);

        assertThat(run.exit).as(run.out).isZero();
        assertThat(run.out.lines()).contains(RECEIVED, MODULES);
    }

    @Test
    void unenhancedClassesAreRefusedAndTheAgentWithByteBuddyOnTheClassPathEnhancesThem() throws Exception {
        String plain = compileWithoutEnhancement() + File.pathSeparator + modulePath();

        Result refused = java("--module-path", plain, "-m", MAIN);
        assertThat(refused.exit).as(refused.out).isNotZero();
        assertThat(refused.out).contains("com.example.notes.Note").contains("not enhanced");

        Result run = java("-javaagent:" + scribeCore(), "-cp", byteBuddy(), "--module-path", plain, "-m", MAIN);
        assertThat(run.exit).as(run.out).isZero();
        assertThat(run.out.lines()).contains(RECEIVED, MODULES);
    }

    @Test
    void theAgentWithByteBuddyOnTheModulePathNeedsItsModulesAdded() throws Exception {
        String plain = compileWithoutEnhancement() + File.pathSeparator + modulePath() + File.pathSeparator
                + byteBuddy();

        Result run = java("-javaagent:" + scribeCore(), "--module-path", plain,
                "--add-modules", "net.bytebuddy,net.bytebuddy.agent", "-m", MAIN);
        assertThat(run.exit).as(run.out).isZero();
        assertThat(run.out.lines()).contains(RECEIVED, MODULES);

        Result failed = java("-javaagent:" + scribeCore(), "--module-path", plain, "-m", MAIN);
        assertThat(failed.exit).as(failed.out).isNotZero();
        assertThat(failed.out).contains("Scribe's agent needs Byte Buddy")
                .contains("--add-modules net.bytebuddy,net.bytebuddy.agent")
                .doesNotContain(RECEIVED);
    }

    private record Result(int exit, String out) {}

    private static Result java(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    /** The app's classes as javac writes them, not enhanced. */
    private String compileWithoutEnhancement() throws IOException {
        Path classes = tmp.resolve("plain");
        List<String> args = new ArrayList<>(List.of("--release", "17", "--module-path", modulePath(), "-d",
                classes.toString()));
        try (Stream<Path> sources = Files.walk(Path.of("src", "main", "java"))) {
            sources.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
        }
        assertThat(ToolProvider.findFirst("javac").orElseThrow().run(System.out, System.err,
                args.toArray(String[]::new))).isZero();
        return classes.toString();
    }

    private static String modulePath() throws IOException {
        return Files.readString(Path.of("target", "module-path.txt")).strip();
    }

    private static String scribeCore() throws IOException {
        return Stream.of(modulePath().split(File.pathSeparator)).filter(j -> j.contains("scribe-core")).findFirst()
                .orElseThrow();
    }

    private static String byteBuddy() throws IOException {
        try (Stream<Path> jars = Files.list(Path.of("target", "bytebuddy"))) {
            return jars.map(Path::toString).sorted().collect(Collectors.joining(File.pathSeparator));
        }
    }
}
