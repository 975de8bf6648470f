package io.scribe.docsync;

import static io.scribe.docsync.Harness.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.docsync.ClientBehaviourTest.Result;
import io.scribe.docsync.client.DocClient;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code credentials create|list|revoke|rotate} against the tables of a running server, as an operator runs them. */
class CredentialsCommandTest extends ServerTest {

    /** Runs {@code doc-sync credentials ARGS} on this test's server data; the commands print to standard output. */
    Result credentials(String... args) {
        List<String> all = new ArrayList<>(List.of("credentials"));
        all.addAll(List.of(args));
        all.addAll(List.of("--database", h.databaseUrl(), "--data", dir.resolve("server").toString()));
        PrintStream saved = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Result r = ClientBehaviourTest.execute(all);
            return new Result(r.code(), printed.toString(StandardCharsets.UTF_8) + r.out(), r.err());
        } finally {
            System.setOut(saved);
        }
    }

    static String field(String printed, String label) {
        return printed.lines().filter(l -> l.startsWith(label)).findFirst().orElseThrow().substring(label.length())
                .strip();
    }

    @Test
    void listRevokeAndRotateChangeWhoMayLogIn() {
        harness();
        Result created = credentials("create", "--name", "laptop");
        assertThat(created.code()).as(created.err()).isZero();
        String key = field(created.out(), "api key:");
        String secret = field(created.out(), "secret:");

        Result listed = credentials("list");
        assertThat(listed.code()).as(listed.err()).isZero();
        assertThat(listed.out()).contains(key + "  laptop  (unused)").contains("2 credentials")
                .doesNotContain(secret);

        Result rotated = credentials("rotate", key);
        assertThat(rotated.code()).as(rotated.err()).isZero();
        String newSecret = field(rotated.out(), "secret:");
        assertThat(newSecret).startsWith("rps_").isNotEqualTo(secret);
        DocClient old = h.client("old", "ann@example.com", key, secret);
        await("the old secret is refused", () -> old.authError().isPresent());
        DocClient fresh = h.client("fresh", "ann@example.com", key, newSecret);
        fresh.awaitConnected(Duration.ofSeconds(20));

        Result revoked = credentials("revoke", key);
        assertThat(revoked.code()).as(revoked.err()).isZero();
        assertThat(credentials("list").out()).contains(key).contains("REVOKED");
        DocClient after = h.client("after", "ann@example.com", key, newSecret);
        await("a revoked key is refused", () -> after.authError().map(m -> m.contains("revoked")).orElse(false));

        Result unknown = credentials("revoke", "rpa_nope");
        assertThat(unknown.code()).isEqualTo(1);
        ClientBehaviourTest.assertOneLine(unknown.err(), "no credential rpa_nope");
        assertThat(credentials("rotate", "rpa_nope").code()).isEqualTo(1);
    }
}
