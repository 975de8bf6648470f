package io.scribe.docsync;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Session;
import io.scribe.core.spi.Connection;
import io.scribe.docsync.internal.Crypto;
import io.scribe.docsync.server.DocServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing of doc-sync's authentication: whatever a connection sends first (any text, or an
 * {@code auth} message with any mix of right and wrong email, key, timestamp, nonce and signature), no exception
 * escapes, a session is authenticated only by a message signed with the credential's secret, a request (any type
 * but a response or an error) is answered under its id, nothing is stored, and the server then still authenticates a well-signed client (checked
 * after every input of a regression run, after one in 50 when fuzzing: the check writes to the server's tables).
 */
class AuthFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMAIL = "ann@example.com";
    private static final AtomicLong NONCES = new AtomicLong();
    private static final AtomicLong INPUTS = new AtomicLong();
    private static Path dir;
    private static DocServer server;
    private static String apiKey;
    private static String secret;

    static {
        if (System.getenv("JAZZER_FUZZ") != null) {
            // The server logs each refused login at INFO: when fuzzing, that is a line per input (the refusal still
            // runs; it is only not written).
            System.setProperty("org.slf4j.simpleLogger.log.io.scribe.docsync.server", "warn");
        }
    }

    @BeforeAll
    static void start() throws IOException {
        // On a RAM file system where there is one: each well-signed input commits to the server's SQLite tables
        // (synchronous=FULL), and an fsync per input made the target run a few hundred inputs a second.
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "doc-sync-auth-fuzz")
                : Files.createTempDirectory("doc-sync-auth-fuzz");
        server = DocServer.start(DocServer.Config.of(null, dir, 0));
        String[] credential = server.createCredential("fuzz");
        apiKey = credential[0];
        secret = credential[1];
        scribesAtStart = server.scriber().lastScribeId();
    }

    /** The server's newest scribe id before any input: no input may store anything. */
    private static long scribesAtStart;

    @AfterAll
    static void stop() throws IOException {
        server.close();
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** Keeps what the server sends, as JSON. */
    static final class Out implements Connection {
        final List<JsonNode> messages = new ArrayList<>();

        @Override
        public synchronized void send(byte[] frame) {
            try {
                messages.add(JSON.readTree(new String(frame, 4, frame.length - 4, StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new AssertionError("the server sent a frame that is not JSON", e);
            }
        }

        @Override
        public void sendText(String message) {
            try {
                synchronized (this) {
                    messages.add(JSON.readTree(message));
                }
            } catch (IOException e) {
                throw new AssertionError("the server sent a message that is not JSON", e);
            }
        }

        @Override
        public void close() {}
    }

    @FuzzTest(maxDuration = "2s")
    void onlyAWellSignedAuthAuthenticatesAndTheServerGoesOn(FuzzedDataProvider input) {
        String clientId = "fuzz-" + input.consumeInt(0, 3);
        boolean structured = input.consumeBoolean();
        boolean wellSigned = false;
        String email = null;
        boolean request = false;
        String text;
        int id = input.consumeInt();
        if (structured) {
            ObjectNode m = JSON.createObjectNode().put("type", input.consumeBoolean() ? "auth" : input.consumeString(8))
                    .put("id", id);
            email = input.consumeBoolean() ? EMAIL : input.consumeString(40);
            String key = input.consumeBoolean() ? apiKey : input.consumeString(40);
            long now = System.currentTimeMillis() / 1000;
            long ts = switch (input.consumeInt(0, 2)) {
                case 0 -> now;
                case 1 -> now + input.consumeLong(-1000, 1000);
                default -> input.consumeLong();
            };
            String nonce = input.consumeBoolean() ? "n" + NONCES.incrementAndGet() : input.consumeString(80);
            wellSigned = input.consumeBoolean();
            String signature = wellSigned ? Crypto.sign(secret, ts, email, key, clientId + "." + nonce)
                    : input.consumeString(80);
            if (input.consumeBoolean()) {
                m.put("email", email);
            }
            if (input.consumeBoolean()) {
                m.put("api_key", key);
            }
            if (input.consumeBoolean()) {
                m.put("timestamp", ts);
            } else if (input.consumeBoolean()) {
                m.put("timestamp", input.consumeString(20));
            }
            if (input.consumeBoolean()) {
                m.put("nonce", nonce);
            }
            if (input.consumeBoolean()) {
                m.put("signature", signature);
            }
            wellSigned = wellSigned && key.equals(apiKey) && m.has("signature");
            // A response or an error from the peer is not a request: nothing answers it.
            request = !List.of("response", "error").contains(m.path("type").asText());
            text = m.toString();
        } else {
            text = input.consumeRemainingAsString();
        }

        Out out = new Out();
        Session session = server.scriber().client(clientId).connect(out);
        try {
            session.receiveMessage(text);
            if (session.principal().isPresent()) {
                assertThat(wellSigned).as("authenticated by %s", text).isTrue();
                assertThat(session.principal()).contains(EMAIL);
                assertThat(email).isEqualTo(EMAIL);
            }
            if (request) {
                assertThat(out.messages).as("answers to %s", text).isNotEmpty();
                JsonNode answer = out.messages.get(0);
                assertThat(answer.path("id").asInt()).isEqualTo(id);
                if (answer.path("type").asText().equals("error")) {
                    assertThat(answer.path("code").asInt()).isIn(400, 401, 403, 413);
                }
            }
        } finally {
            session.disconnect();
        }
        // Each check reads and writes the server's tables (every SQL statement passes Jazzer's SQL hooks, which cost
        // far more than the input itself): after every input of a regression run, after one in 50 when fuzzing.
        // Nothing stored stays stored, so a check also catches what an input of the 49 before it stored.
        if (INPUTS.getAndIncrement() % 50 == 0 || System.getenv("JAZZER_FUZZ") == null) {
            assertThat(server.scriber().lastScribeId()).as("scribes stored by inputs up to %s", text)
                    .isEqualTo(scribesAtStart);
            assertThat(authenticates("fuzz-check")).as("a well-signed client after %s", text).isTrue();
        }
    }

    private static boolean authenticates(String clientId) {
        long now = System.currentTimeMillis() / 1000;
        String nonce = "check" + NONCES.incrementAndGet();
        ObjectNode auth = JSON.createObjectNode().put("type", "auth").put("id", 1).put("email", EMAIL)
                .put("api_key", apiKey).put("timestamp", now).put("nonce", nonce)
                .put("signature", Crypto.sign(secret, now, EMAIL, apiKey, clientId + "." + nonce));
        Out out = new Out();
        Session session = server.scriber().client(clientId).connect(out);
        try {
            session.receiveMessage(auth.toString());
            return session.principal().isPresent();
        } finally {
            session.disconnect();
        }
    }
}
