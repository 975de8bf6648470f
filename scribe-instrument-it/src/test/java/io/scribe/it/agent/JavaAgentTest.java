package io.scribe.it.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.instrument.ScribeAgent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -javaagent:scribe-core.jar=io.scribe.it.agent.model ...}: a program that never calls the install
 * records its changes. Runs a child JVM with this module's test class path.
 */
class JavaAgentTest {

    @Test
    void theAgentFlagEnhancesTheClassesOfTheNamedPackage(@TempDir Path dir) throws Exception {
        Path agentJar = agentJar(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(java, "-javaagent:" + agentJar + "=io.scribe.it.agent.model",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path"), AgentMain.class.getName())
                .redirectErrorStream(true).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        List<String> lines = List.of(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .split("\\R"));

        assertThat(process.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).containsSubsequence(
                "enhanced=true",
                "CREATE {\"id\":\"m1\",\"text\":\"draft\"}",
                "UPDATE [\"m1\",{\"text\":\"final\"}]");
    }

    /**
     * The scribe-core jar when the tests run against it; when they run against its classes directory (a reactor
     * build before packaging), a jar holding only the same agent manifest entries.
     */
    private static Path agentJar(Path dir) throws IOException {
        Path core = Path.of(ScribeAgent.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        if (core.toString().endsWith(".jar")) {
            return core;
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", ScribeAgent.class.getName());
        Path jar = dir.resolve("scribe-agent.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, manifest)) {
            // manifest only: the agent classes come from the class path
        }
        return jar;
    }

}
