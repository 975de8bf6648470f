package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A catch-up page, read from its frame by stream (see {@link io.scribe.core.internal.SyncPage}), is played as the
 * tree path played it: its scribes stored, a scribe that cannot be read reported naming it and passed, the cursor
 * stored; the same for frames of a byte stream and for text messages, whatever the order of the page's members.
 */
class StreamedPageTest {

    private final List<ScribeException> problems = new ArrayList<>();
    private Scriber writer;
    private Scriber server;
    private Capture wire;
    private Session session;
    private List<String> scribes;

    @BeforeEach
    void setUp() {
        writer = Peers.builder("peer").build();
        writer.create(new Task("t1", "first", 1));
        writer.create(new Task("t2", "second", 2));
        writer.create(new Task("t3", "third", 3));
        scribes = new ArrayList<>();
        for (Scribe s : writer.store().readAfter(0, 10)) {
            scribes.add(Json.scribeText(s));
        }
        assertThat(scribes).hasSize(3);
        server = Peers.builder("server").onError(problems::add).build();
        wire = new Capture(4);
        session = server.client("peer").connect(wire);
    }

    @AfterEach
    void tearDown() {
        server.close();
        writer.close();
    }

    /** Starts the catch-up and answers its sync with a page of {@code result}, delivered by {@code deliver}. */
    private CompletableFuture<Void> catchUp(String result, boolean resultFirst, Consumer<String> deliver) {
        wire.clear();
        CompletableFuture<Void> done = session.sync();
        JsonNode sync = wire.last();
        assertThat(sync.path("type").asText()).isEqualTo("sync");
        String envelope = "\"type\":\"response\",\"id\":" + sync.get("id").asInt() + ",\"more\":false,\"cursor\":\"3\"";
        String page = resultFirst ? "{\"result\":" + result + "," + envelope + "}"
                : "{" + envelope + ",\"result\":" + result + "}";
        deliver.accept(page);
        return done;
    }

    private void asFrame(String json) {
        session.receiveData(Capture.frame(json));
    }

    private void asText(String json) {
        session.receiveMessage(json);
    }

    private void assertPlayed(CompletableFuture<Void> done, String... ids) throws Exception {
        done.get(5, TimeUnit.SECONDS);
        for (String id : ids) {
            assertThat(server.find(Task.class, id)).as(id).isPresent();
        }
        assertThat(server.client("peer").cursor()).contains("3");
    }

    @Test
    void aPageIsPlayedFromAFrame() throws Exception {
        String result = "[" + String.join(",", scribes) + "]";
        assertPlayed(catchUp(result, false, this::asFrame), "t1", "t2", "t3");
        assertThat(problems).isEmpty();
    }

    @Test
    void aPageWithItsResultFirstIsPlayedFromText() throws Exception {
        String result = "[" + String.join(",", scribes) + "]";
        assertPlayed(catchUp(result, true, this::asText), "t1", "t2", "t3");
        assertThat(problems).isEmpty();
    }

    @Test
    void aScribeThatCannotBeReadIsReportedNamingItAndPassed() throws Exception {
        for (boolean text : new boolean[] {false, true}) {
            problems.clear();
            String bad = scribes.get(1).replace("\"klass\":\"Task\",", "");
            String result = "[" + scribes.get(0) + "," + bad + "," + scribes.get(2) + "]";
            assertPlayed(catchUp(result, text, text ? this::asText : this::asFrame), "t1", "t3");
            assertThat(server.find(Task.class, "t2")).isEmpty();
            assertThat(problems).singleElement().satisfies(p -> {
                assertThat(p.code()).isEqualTo(400);
                assertThat(p.getMessage()).isEqualTo("catch-up from peer: scribe has no klass");
            });
        }
    }

    @Test
    void aPageThatIsNotJsonIsAnsweredAsBefore() {
        wire.clear();
        CompletableFuture<Void> done = session.sync();
        int id = wire.last().get("id").asInt();
        wire.clear();
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + id + ",\"result\":[" + scribes.get(0)
                + "," + scribes.get(1).substring(0, 20)));
        JsonNode error = wire.last();
        assertThat(error.path("type").asText()).isEqualTo("error");
        assertThat(error.path("code").asInt()).isEqualTo(400);
        assertThat(error.path("message").asText()).startsWith("malformed JSON");
        assertThat(done).isNotDone();
    }
}
