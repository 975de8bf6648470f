package io.scribe.docsync;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code doc-sync} command run as a child JVM: lines to its standard input, its standard output collected line
 * by line, signals by name. Its standard error goes to a file.
 */
final class ChildProcess implements AutoCloseable {

    private static final List<String> JVM_FLAGS = List.of("-Xmx160m", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            // The engine's session events, so that a failed wait shows what the client went through.
            "-Dorg.slf4j.simpleLogger.log.io.scribe=info", "-Dorg.slf4j.simpleLogger.showDateTime=true");

    private final Process process;
    private final Writer stdin;
    private final List<String> lines = new ArrayList<>();
    private final Path stderr;
    private int mark;

    private ChildProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (lines) {
                        lines.add(line);
                        lines.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code doc-sync ARGS} with the test class path; standard error goes to {@code stderr}. */
    static ChildProcess start(Path stderr, List<String> args) throws IOException {
        return start(stderr, args, java.util.Map.of());
    }

    static ChildProcess start(Path stderr, List<String> args, java.util.Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_FLAGS);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("io.scribe.docsync.cli.DocSync");
        command.addAll(args);
        Files.createDirectories(stderr.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("DOC_SYNC_"));
        pb.environment().putAll(env);
        return new ChildProcess(pb.start(), stderr);
    }

    /** Sends one line to standard input. */
    void send(String line) throws IOException {
        stdin.write(line + "\n");
        stdin.flush();
    }

    /** Closes standard input (end of input). */
    void closeInput() throws IOException {
        stdin.close();
    }

    /**
     * Waits for the next output line after the last one matched that matches {@code regex} (found anywhere in the
     * line); returns its match and moves the mark past it.
     */
    Matcher await(String regex) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        boolean exitSeen = false;
        synchronized (lines) {
            while (true) {
                for (int i = mark; i < lines.size(); i++) {
                    Matcher m = p.matcher(lines.get(i));
                    if (m.find()) {
                        mark = i + 1;
                        return m;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || exitSeen) {
                    throw new AssertionError("no line matching " + regex + " in:\n" + output() + "\nstderr:\n"
                            + stderrText());
                }
                // After exit the reader may still be draining the pipe: one more round.
                exitSeen = !process.isAlive();
                try {
                    lines.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    /** Everything printed so far. */
    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    String stderrText() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Sends a signal by name ({@code INT}, {@code TERM}, {@code KILL}). */
    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new AssertionError("kill -s " + name + " failed");
        }
    }

    /** Waits for the child to exit; returns its exit code. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            throw new AssertionError("child did not exit:\n" + output() + "\nstderr:\n" + stderrText());
        }
        // Let the reader drain the last lines.
        Thread.sleep(100);
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
