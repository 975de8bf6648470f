package io.scribe.docsync;

import io.scribe.docsync.cli.DocSync;
import io.scribe.docsync.client.DocClient;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A test class whose tests start a doc-sync server (on a schema of their own) with {@link #harness()}. */
abstract class ServerTest {

    @TempDir
    Path dir;

    Harness h;

    @AfterEach
    void closeHarness() throws Exception {
        if (h != null) {
            h.close();
        }
    }

    /** Starts the server of this test. */
    Harness harness() {
        h = new Harness(dir);
        h.startServer();
        return h;
    }

    /** Runs task-manager commands on {@code client}, as typed at its prompt; returns what they printed. */
    static String run(DocClient client, String script) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new DocSync.Tasks(client, new PrintStream(bytes, true, StandardCharsets.UTF_8))
                .loop(new BufferedReader(new StringReader(script)));
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
