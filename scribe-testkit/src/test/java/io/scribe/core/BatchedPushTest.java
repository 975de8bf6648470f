package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Several pushes in one frame ({@code add_scribes}): a peer whose {@code sync} states the batch size it takes gets
 * the pushes queued together in one message within that size; the receiver plays each as a push without a request
 * id, answers a refused one with an error naming it and acknowledges the rest; a frame cut in two is played only once
 * whole, and nothing of it when the connection drops in between.
 */
class BatchedPushTest {

    private static String scribe(int id, String text) {
        return "{\"id\":\"" + id + "\",\"klass\":\"Note\",\"type\":\"create\",\"data\":{\"id\":\"n" + id
                + "\",\"text\":\"" + text + "\",\"owner\":\"a\"},\"origin\":\"a\",\"clock\":"
                + (111542062186496000L + id) + "}";
    }

    private static String batch(String... scribes) {
        return "{\"type\":\"add_scribes\",\"scribes\":[" + String.join(",", scribes) + "]}";
    }

    /** Connects {@code a} to the hub and ends the hub's catch-up of a's (empty) log; checks what its sync says. */
    private static Session caughtUp(Scriber hub, Capture out) {
        Session session = hub.client("a").connect(out);
        var caughtUp = session.sync();
        JsonNode sync = Peers.ofType(out.messages().stream().map(Json::text).toList(), "sync").get(0);
        assertThat(sync.path("batches").asInt()).as("the batch size the hub takes").isPositive()
                .isLessThanOrEqualTo(Intake.MAX_BATCH_BYTES);
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + sync.path("id").asInt()
                + ",\"result\":[],\"more\":false}"));
        assertThat(caughtUp).isDone();
        out.clear();
        return session;
    }

    private static List<String> answers(Capture out) {
        return out.messages().stream().map(m -> switch (m.path("type").asText()) {
            case "ack" -> "ack " + m.path("up_to").asText();
            case "error" -> m.has("scribe") ? "error scribe " + m.path("scribe").asText() + " " + m.path("code")
                    : "error " + m.path("id").asInt() + " " + m.path("code");
            default -> m.path("type").asText();
        }).toList();
    }

    @Test
    void aBatchIsPlayedTogetherAndARefusedScribeInItIsNamedWhileTheOthersAreStored() {
        List<ScribeException> errors = new ArrayList<>();
        Scriber hub = CumulativeAckTest.hub(errors);
        Capture out = new Capture(4);
        Session session = caughtUp(hub, out);

        session.receiveData(Capture.frame(batch(scribe(1, "first"), scribe(2, "bad"), scribe(3, "third"))));

        assertThat(hub.all(Note.class)).extracting(n -> n.text).containsExactlyInAnyOrder("first", "third");
        assertThat(answers(out)).containsExactly("error scribe 2 403", "refused", "ack 3");
        assertThat(hub.store().cursor("a")).contains("3");
        assertThat(errors).extracting(ScribeException::code).containsExactly(403);
    }

    @Test
    void badBatchesAreRefusedWithAClearErrorAndTheSessionGoesOn() {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        Capture out = new Capture(4);
        Session session = caughtUp(hub, out);

        session.receiveData(Capture.frame("{\"type\":\"add_scribes\",\"id\":9,\"scribes\":[" + scribe(1, "x") + "]}"));
        session.receiveData(Capture.frame("{\"type\":\"add_scribes\",\"scribes\":{}}"));
        // A member that is not a scribe is named; the others of the batch are stored.
        session.receiveData(Capture.frame(batch("{\"id\":\"4\",\"type\":\"create\"}", scribe(5, "fifth"), "17")));

        assertThat(answers(out)).containsExactly("error 9 400", "error 0 400", "error scribe 4 400", "error 0 400",
                "ack 5");
        assertThat(hub.all(Note.class)).extracting(n -> n.text).containsExactly("fifth");
        session.receiveData(Capture.frame(batch(scribe(6, "sixth"), scribe(7, "seventh"))));
        assertThat(hub.all(Note.class)).hasSize(3);
    }

    @Test
    void aBatchCutMidFrameIsPlayedOnceWholeAndNotAtAllWhenTheConnectionDropsFirst() {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        Capture out = new Capture(4);
        Session session = caughtUp(hub, out);
        byte[] frame = Capture.frame(batch(scribe(1, "one"), scribe(2, "two"), scribe(3, "three")));
        int cut = frame.length / 2;

        session.receiveData(java.util.Arrays.copyOfRange(frame, 0, cut));
        assertThat(hub.all(Note.class)).isEmpty();
        assertThat(out.messages()).isEmpty();
        session.receiveData(java.util.Arrays.copyOfRange(frame, cut, frame.length));
        assertThat(hub.all(Note.class)).hasSize(3);
        assertThat(answers(out)).containsExactly("ack 3");

        // Cut, then the connection drops: nothing of the batch is played and the cursor stays where it was.
        byte[] next = Capture.frame(batch(scribe(4, "four"), scribe(5, "five")));
        session.receiveData(java.util.Arrays.copyOfRange(next, 0, next.length - 3));
        session.disconnect();
        assertThat(hub.all(Note.class)).hasSize(3);
        assertThat(hub.store().cursor("a")).contains("3");
        Capture again = new Capture(4);
        Session second = caughtUp(hub, again);
        second.receiveData(next);
        assertThat(hub.all(Note.class)).hasSize(5);
        assertThat(hub.store().cursor("a")).contains("5");
    }

    @Test
    void pushesQueuedTogetherGoAsBatchesWithinTheSizeThePeerStatedAndAlonePushesStayShared() {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        Capture batching = new Capture(4);
        Session small = hub.client("b").connect(batching);
        small.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"acks\":\"cumulative\","
                + "\"batches\":1000}"));
        Capture plain = new Capture(4);
        Session single = hub.client("c").connect(plain);
        single.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"acks\":\"cumulative\"}"));
        batching.clear();
        plain.clear();

        hub.atomically(() -> {
            for (int i = 0; i < 20; i++) {
                hub.create(new Note("n" + i, "note " + i, "hub"));
            }
        });

        List<JsonNode> batches = batching.messages();
        assertThat(batches).allSatisfy(m -> assertThat(m.path("type").asText()).isEqualTo("add_scribes"));
        assertThat(batching.frames).allSatisfy(f -> assertThat(f.length - 4).isLessThanOrEqualTo(1000));
        List<String> ids = new ArrayList<>();
        batches.forEach(m -> m.path("scribes").forEach(s -> ids.add(s.path("data").path("id").asText())));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            expected.add("n" + i);
        }
        assertThat(ids).as("every push once, in log order").isEqualTo(expected);
        assertThat(batches.size()).isBetween(2, 10);
        assertThat(plain.messages()).hasSize(20)
                .allSatisfy(m -> assertThat(m.path("type").asText()).isEqualTo("add_scribe"));

        // One push alone is the message shared by every session that acknowledges cumulatively.
        batching.clear();
        plain.clear();
        hub.create(new Note("alone", "x", "hub"));
        assertThat(batching.frames).hasSize(1);
        assertThat(batching.frames.get(0)).isSameAs(plain.frames.get(0));
    }

    @Test
    void twoEnginesReplicateABacklogInBatchesAndEndWithEverything() {
        // A window of 16: the backlog waits in a's log and goes out in batches as b's acks make room.
        CumulativeAckTest.Pair p = new CumulativeAckTest.Pair(Scriber.builder().pushWindow(16),
                Scriber.builder().ackDelay(Duration.ZERO));
        p.create(0, 300, 300);
        p.awaitAcknowledged();
        assertThat(p.b.all(Note.class)).extracting(n -> n.id + "=" + n.text)
                .containsExactlyInAnyOrderElementsOf(p.a.all(Note.class).stream().map(n -> n.id + "=" + n.text)
                        .toList()).hasSize(300);
        assertThat(p.b.store().cursor("a")).contains(Long.toString(p.a.lastScribeId()));
        assertThat(p.sentToB.stream().filter(m -> m.contains("\"add_scribes\"")).count())
                .as("frames carrying several pushes").isPositive();
    }
}
