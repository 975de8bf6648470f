package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The add_scribe frames of one read are played together and stored with one commit, each answered in order. */
class BatchTest {

    /** Counts the commits that carry scribes. */
    private static final class CountingStore extends ForwardingStore {
        final AtomicInteger scribeCommits = new AtomicInteger();

        CountingStore() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (!commit.scribes().isEmpty()) {
                scribeCommits.incrementAndGet();
            }
            return super.commit(commit);
        }
    }

    private static String create(int requestId, int scribeId, String title) {
        return "{\"type\":\"add_scribe\",\"id\":" + requestId + ",\"scribe\":{\"id\":\"" + scribeId + "\","
                + "\"klass\":\"Note\",\"type\":\"create\",\"data\":{\"id\":\"n" + scribeId + "\",\"text\":\""
                + title + "\",\"owner\":\"a\"},\"origin\":\"a\",\"clock\":" + (111542062186496000L + scribeId)
                + "}}";
    }

    @Test
    void oneReadOfSeveralScribesIsOneCommitAndARefusedOneIsAnsweredAlone() throws Exception {
        CountingStore store = new CountingStore();
        List<ScribeException> errors = new ArrayList<>();
        Scriber hub = Scriber.builder().clientId("hub").store(store).onError(errors::add)
                .register(Note.class, Policy.<Note>defaults()
                        .withAuthorizer((s, client) -> !s.data().path("text").asText().equals("bad")))
                .build();
        Capture out = new Capture(4);
        Session session = hub.client("a").connect(out);
        session.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null}"));
        // The hub's catch-up of a's log: nothing in it. Pushes move a's cursor once that is done.
        var caughtUp = session.sync();
        JsonNode sync = out.messages().stream().filter(m -> m.path("type").asText().equals("sync")).findFirst()
                .orElseThrow();
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + sync.path("id").asInt()
                + ",\"result\":[],\"more\":false}"));
        assertThat(caughtUp).isDone();
        out.clear();

        ByteArrayOutputStream read = new ByteArrayOutputStream();
        read.write(Capture.frame(create(2, 1, "first")));
        read.write(Capture.frame(create(3, 2, "bad")));
        read.write(Capture.frame(create(4, 3, "third")));
        // A message that is not JSON is answered after the scribes before it.
        read.write(Capture.frame("not json"));
        read.write(Capture.frame("{\"type\":\"noop\",\"id\":5}"));
        byte[] bytes = read.toByteArray();
        // The last frame is cut across two reads: it still comes after the batch, in order.
        int cut = bytes.length - 7;
        session.receiveData(bytes, 0, cut);
        session.receiveData(bytes, cut, bytes.length - cut);

        assertThat(store.scribeCommits.get()).isEqualTo(1);
        assertThat(hub.all(Note.class)).extracting(n -> n.text).containsExactlyInAnyOrder("first", "third");
        assertThat(hub.store().lastId()).isEqualTo(2);
        assertThat(hub.store().cursor("a")).contains("3");
        List<JsonNode> answers = out.messages().stream()
                .filter(m -> m.path("type").asText().matches("response|error")).toList();
        assertThat(answers).extracting(m -> m.path("id").asInt()).containsExactly(2, 3, 4, 0, 5);
        assertThat(answers).extracting(m -> m.path("type").asText())
                .containsExactly("response", "error", "response", "error", "response");
        assertThat(answers.get(1).path("code").asInt()).isEqualTo(403);
        assertThat(answers.get(3).path("code").asInt()).isEqualTo(400);
        assertThat(errors).extracting(ScribeException::code).containsExactly(403, 400);
    }
}
