package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Pushes answered with one {@code ack} for many: a peer that says so in the last page of its log (its pushes follow)
 * gets one ack per batch it pushed, with errors for refused scribes before it; a peer that does not say so is answered
 * push by push.
 */
class CumulativeAckTest {

    private static String create(int requestId, int scribeId, String title) {
        return "{\"type\":\"add_scribe\",\"id\":" + requestId + ",\"scribe\":{\"id\":\"" + scribeId + "\","
                + "\"klass\":\"Note\",\"type\":\"create\",\"data\":{\"id\":\"n" + scribeId + "\",\"text\":\""
                + title + "\",\"owner\":\"a\"},\"origin\":\"a\",\"clock\":" + (111542062186496000L + scribeId)
                + "}}";
    }

    private static Scriber hub(List<ScribeException> errors) {
        return Scriber.builder().clientId("hub").store(io.scribe.core.spi.Store.inMemory()).onError(errors::add)
                .register(Note.class, Policy.<Note>defaults()
                        .withAuthorizer((s, client) -> !s.data().path("text").asText().equals("bad")))
                .build();
    }

    /** Connects {@code a} to the hub and ends the hub's catch-up of a's (empty) log with {@code lastPage}'s extras. */
    private static Session caughtUp(Scriber hub, Capture out, String lastPageExtras) {
        Session session = hub.client("a").connect(out);
        var caughtUp = session.sync();
        JsonNode sync = out.messages().stream().filter(m -> m.path("type").asText().equals("sync")).findFirst()
                .orElseThrow();
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + sync.path("id").asInt()
                + ",\"result\":[],\"more\":false" + lastPageExtras + "}"));
        assertThat(caughtUp).isDone();
        out.clear();
        return session;
    }

    @Test
    void aPeerThatTakesCumulativeAcksGetsOneAckPerReadAfterTheErrorsOfThatRead() throws Exception {
        List<ScribeException> errors = new ArrayList<>();
        Scriber hub = hub(errors);
        Capture out = new Capture(4);
        Session session = caughtUp(hub, out, ",\"acks\":\"cumulative\"");

        ByteArrayOutputStream read = new ByteArrayOutputStream();
        read.write(Capture.frame(create(2, 1, "first")));
        read.write(Capture.frame(create(3, 2, "bad")));
        read.write(Capture.frame(create(4, 3, "third")));
        read.write(Capture.frame("{\"type\":\"noop\",\"id\":5}"));
        read.write(Capture.frame(create(6, 4, "fourth")));
        session.receiveData(read.toByteArray());

        assertThat(hub.all(Note.class)).extracting(n -> n.text).containsExactlyInAnyOrder("first", "third", "fourth");
        assertThat(hub.store().cursor("a")).contains("4");
        // The scribes before the noop are answered before it: the refused one by its error, the others by one ack.
        List<String> answers = out.messages().stream().map(CumulativeAckTest::describe).toList();
        // (The refusal notice that tells the writer what the hub holds instead follows the error.)
        assertThat(answers).containsExactly("error 3 403", "refused 2", "ack 4", "response 5", "ack 6");
        assertThat(errors).extracting(ScribeException::code).containsExactly(403);

        // A malformed ack is refused with a clear error and the session keeps working.
        out.clear();
        session.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\"x\"}"));
        session.receiveData(Capture.frame(create(7, 5, "fifth")));
        assertThat(out.messages().stream().map(CumulativeAckTest::describe).toList())
                .containsExactly("error 0 400", "ack 7");
        assertThat(hub.all(Note.class)).hasSize(4);
    }

    @Test
    void aPeerThatDoesNotSaySoIsAnsweredPushByPush() {
        Scriber hub = hub(new ArrayList<>());
        Capture out = new Capture(4);
        Session session = caughtUp(hub, out, "");
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        read.writeBytes(Capture.frame(create(2, 1, "first")));
        read.writeBytes(Capture.frame(create(3, 2, "second")));
        session.receiveData(read.toByteArray());
        assertThat(out.messages().stream().map(CumulativeAckTest::describe).toList())
                .containsExactly("response 2", "response 3");
    }

    @Test
    void theLastPageSaysSoAndAnAckAnswersEveryPushUpToIt() {
        List<ScribeException> errors = new CopyOnWriteArrayList<>();
        Scriber hub = hub(errors);
        Capture out = new Capture(4);
        Session session = hub.client("a").connect(out);
        session.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null}"));
        JsonNode page = out.messages().stream().filter(m -> m.path("id").asInt() == 1).findFirst().orElseThrow();
        assertThat(page.path("more").asBoolean()).isFalse();
        assertThat(page.path("acks").asText()).isEqualTo("cumulative");
        out.clear();

        for (int i = 0; i < 5; i++) {
            Note n = new Note();
            n.id = "h" + i;
            n.text = "hub " + i;
            n.owner = "hub";
            hub.create(n);
        }
        List<JsonNode> pushes = out.messages().stream()
                .filter(m -> m.path("type").asText().equals("add_scribe")).toList();
        assertThat(pushes).hasSize(5);
        assertThat(hub.client("a").pending()).isEqualTo(5);
        // One ack for the first three: two are left.
        session.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":" + pushes.get(2).path("id").asInt() + "}"));
        assertThat(hub.client("a").pending()).isEqualTo(2);
        // The fourth refused by the peer, then an ack past it: nothing is left, and the refusal was reported.
        session.receiveData(Capture.frame("{\"type\":\"error\",\"id\":" + pushes.get(3).path("id").asInt()
                + ",\"code\":403,\"message\":\"no\"}"));
        session.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":" + pushes.get(4).path("id").asInt() + "}"));
        await(() -> hub.client("a").pending() == 0);
        assertThat(errors).extracting(ScribeException::code).contains(403);
        assertThat(session.pendingRequests()).isLessThanOrEqualTo(1); // at most the noop confirming the refusal
    }

    @Test
    void twoPeersAcknowledgeABurstWithAnAckPerReadAndEndWithEverything() {
        Scriber a = Scriber.builder().clientId("a").store(io.scribe.core.spi.Store.inMemory()).register(Note.class)
                .build();
        Scriber b = Scriber.builder().clientId("b").store(io.scribe.core.spi.Store.inMemory()).register(Note.class)
                .build();
        AtomicReference<Session> atA = new AtomicReference<>();
        AtomicReference<Session> atB = new AtomicReference<>();
        // What a sends waits until delivered as one read (as a stream's reads carry many frames); what b sends is
        // delivered at once, and kept.
        List<byte[]> toB = new ArrayList<>();
        List<String> fromB = new CopyOnWriteArrayList<>();
        atA.set(a.client("b").connect(new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                synchronized (toB) {
                    toB.add(frame);
                }
            }

            @Override
            public void close() {
                atB.get().disconnect();
            }
        }));
        atB.set(b.client("a").connect(new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                fromB.add(new String(frame, 4, frame.length - 4, java.nio.charset.StandardCharsets.UTF_8));
                atA.get().receiveData(frame);
            }

            @Override
            public void close() {
                atA.get().disconnect();
            }
        }));
        Runnable deliverToB = () -> {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            synchronized (toB) {
                toB.forEach(read::writeBytes);
                toB.clear();
            }
            if (read.size() > 0) {
                atB.get().receiveData(read.toByteArray());
            }
        };
        atA.get().sync();
        atB.get().sync();
        await(() -> {
            deliverToB.run();
            return atA.get().isCaughtUp() && atB.get().isCaughtUp();
        });
        fromB.clear();

        for (int i = 0; i < 200; i++) {
            Note n = new Note();
            n.id = "n" + i;
            n.text = "note " + i;
            n.owner = "a";
            a.create(n);
            if (i % 50 == 49) {
                deliverToB.run();
            }
        }
        await(() -> {
            deliverToB.run();
            return a.client("b").pending() == 0;
        });
        assertThat(b.all(Note.class)).hasSize(200);
        assertThat(b.store().cursor("a")).isPresent();
        // Four reads of 50 pushes: four acks, no answer push by push.
        assertThat(Peers.ofType(fromB, "response")).isEmpty();
        assertThat(Peers.ofType(fromB, "ack")).hasSize(4);
        assertThat(atA.get().pendingRequests()).isZero();
    }

    private static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static String describe(JsonNode m) {
        String type = m.path("type").asText();
        return switch (type) {
            case "ack" -> "ack " + m.path("up_to").asInt();
            case "error" -> "error " + m.path("id").asInt() + " " + m.path("code").asInt();
            default -> type + " " + m.path("id").asInt();
        };
    }
}
