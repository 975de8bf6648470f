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
 * Pushes acknowledged cumulatively: a peer whose {@code sync} says {@code acks: "cumulative"} is pushed to without
 * request ids (one message for every such session) and answers with one {@code ack} carrying the position it played up
 * to per batch, errors naming the refused scribe first; a peer that does not say so is pushed to, and answered, push
 * by push.
 */
class CumulativeAckTest {

    private static String create(String requestId, int scribeId, String title) {
        return "{\"type\":\"add_scribe\"" + (requestId == null ? "" : ",\"id\":" + requestId)
                + ",\"scribe\":{\"id\":\"" + scribeId + "\","
                + "\"klass\":\"Note\",\"type\":\"create\",\"data\":{\"id\":\"n" + scribeId + "\",\"text\":\""
                + title + "\",\"owner\":\"a\"},\"origin\":\"a\",\"clock\":" + (111542062186496000L + scribeId)
                + "}}";
    }

    static Scriber hub(List<ScribeException> errors) {
        return Scriber.builder().clientId("hub").store(io.scribe.core.spi.Store.inMemory()).onError(errors::add)
                .register(Note.class, Policy.<Note>defaults()
                        .withAuthorizer((s, client) -> !s.data().path("text").asText().equals("bad")))
                .build();
    }

    /** Connects {@code a} to the hub and ends the hub's catch-up of a's (empty) log. */
    private static Session caughtUp(Scriber hub, Capture out) {
        Session session = hub.client("a").connect(out);
        var caughtUp = session.sync();
        JsonNode sync = out.messages().stream().filter(m -> m.path("type").asText().equals("sync")).findFirst()
                .orElseThrow();
        assertThat(sync.path("acks").asText()).isEqualTo("cumulative");
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + sync.path("id").asInt()
                + ",\"result\":[],\"more\":false}"));
        assertThat(caughtUp).isDone();
        out.clear();
        return session;
    }

    /** Connects client {@code id} to the hub as a peer whose {@code sync} says it acknowledges cumulatively. */
    private static Session cumulativePeer(Scriber hub, String id, Capture out) {
        Session session = hub.client(id).connect(out);
        session.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"acks\":\"cumulative\"}"));
        return session;
    }

    @Test
    void pushesWithoutRequestIdsAreAcknowledgedOncePerReadByPositionAfterTheErrorsNamingRefusedOnes()
            throws Exception {
        List<ScribeException> errors = new ArrayList<>();
        Scriber hub = hub(errors);
        Capture out = new Capture(4);
        Session session = caughtUp(hub, out);

        ByteArrayOutputStream read = new ByteArrayOutputStream();
        read.write(Capture.frame(create(null, 1, "first")));
        read.write(Capture.frame(create(null, 2, "bad")));
        read.write(Capture.frame(create(null, 3, "third")));
        read.write(Capture.frame("{\"type\":\"noop\",\"id\":5}"));
        read.write(Capture.frame(create(null, 4, "fourth")));
        // A push with a request id is still answered by that id.
        read.write(Capture.frame(create("7", 5, "fifth")));
        session.receiveData(read.toByteArray());

        assertThat(hub.all(Note.class)).extracting(n -> n.text)
                .containsExactlyInAnyOrder("first", "third", "fourth", "fifth");
        assertThat(hub.store().cursor("a")).contains("5");
        // The scribes before the noop are answered before it: the refused one by an error naming it, the others by
        // one ack (the refusal notice that tells the writer what the hub holds instead follows the error).
        List<String> answers = out.messages().stream().map(CumulativeAckTest::describe).toList();
        assertThat(answers).containsExactly("error scribe 2 403", "refused 2", "ack 3", "response 5", "response 7",
                "ack 4");
        assertThat(errors).extracting(ScribeException::code).containsExactly(403);

        // A malformed ack is refused with a clear error and the session keeps working.
        out.clear();
        session.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\"x\"}"));
        session.receiveData(Capture.frame(create(null, 6, "sixth")));
        assertThat(out.messages().stream().map(CumulativeAckTest::describe).toList())
                .containsExactly("error 0 400", "ack 6");
        assertThat(hub.all(Note.class)).hasSize(5);
    }

    @Test
    void anAckWrittenAnotherWayActsAsTheUsualFormAndABadOneIsRefusedWhileTheSessionGoesOn() {
        Scriber hub = hub(new CopyOnWriteArrayList<>());
        Capture toA = new Capture(4);
        Session a = cumulativePeer(hub, "a", toA);
        for (int i = 0; i < 4; i++) {
            hub.create(new Note("h" + i, "hub " + i, "hub"));
        }
        List<String> ids = toA.messages().stream().filter(m -> m.path("type").asText().equals("add_scribe"))
                .map(m -> m.path("scribe").path("id").asText()).toList();
        assertThat(ids).hasSize(4);
        assertThat(hub.client("a").pending()).isEqualTo(4);
        // Spaces and another order of members: read by the general parser, with the same effect.
        a.receiveData(Capture.frame("{ \"up_to\" : \"" + ids.get(1) + "\", \"type\" : \"ack\" }"));
        assertThat(hub.client("a").pending()).isEqualTo(2);
        toA.clear();
        for (String bad : new String[] {"0", "99999999999999999999", "", "-3"}) {
            a.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\"" + bad + "\"}"));
        }
        assertThat(toA.messages().stream().map(CumulativeAckTest::describe).toList())
                .containsExactly("error 0 400", "error 0 400", "error 0 400", "error 0 400");
        a.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\"" + ids.get(3) + "\"}"));
        assertThat(hub.client("a").pending()).isZero();
        assertThat(a.isOpen()).isTrue();
    }

    @Test
    void aPushWithoutRequestIdThatIsNotAScribeIsAnsweredWithAnErrorNamingIt() {
        List<ScribeException> errors = new ArrayList<>();
        Scriber hub = hub(errors);
        Capture out = new Capture(4);
        Session session = caughtUp(hub, out);
        ByteArrayOutputStream read = new ByteArrayOutputStream();
        read.writeBytes(Capture.frame("{\"type\":\"add_scribe\",\"scribe\":{\"id\":\"1\",\"type\":\"bogus\"}}"));
        read.writeBytes(Capture.frame(create(null, 2, "second")));
        session.receiveData(read.toByteArray());
        assertThat(out.messages().stream().map(CumulativeAckTest::describe).toList())
                .containsExactly("error scribe 1 400", "ack 2");
        assertThat(hub.all(Note.class)).extracting(n -> n.text).containsExactly("second");
    }

    @Test
    void aPeerWhoseSyncSaysSoIsPushedOneSharedMessageAndAnAckAnswersEveryPushUpToIt() {
        List<ScribeException> errors = new CopyOnWriteArrayList<>();
        Scriber hub = hub(errors);
        Capture toA = new Capture(4);
        Capture toB = new Capture(4);
        Session a = cumulativePeer(hub, "a", toA);
        Session b = cumulativePeer(hub, "b", toB);
        toA.clear();
        toB.clear();

        for (int i = 0; i < 5; i++) {
            hub.create(new Note("h" + i, "hub " + i, "hub"));
        }
        List<JsonNode> pushes = toA.messages().stream()
                .filter(m -> m.path("type").asText().equals("add_scribe")).toList();
        assertThat(pushes).hasSize(5).allSatisfy(m -> assertThat(m.has("id")).isFalse());
        // Encoded and framed once for both sessions: the same bytes.
        assertThat(toA.frames).hasSize(5);
        for (int i = 0; i < 5; i++) {
            assertThat(toA.frames.get(i)).isSameAs(toB.frames.get(i));
        }
        assertThat(hub.client("a").pending()).isEqualTo(5);
        String third = pushes.get(2).path("scribe").path("id").asText();
        a.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\"" + third + "\"}"));
        assertThat(hub.client("a").pending()).isEqualTo(2);
        // The fourth refused by the peer, then an ack past it: nothing is left, and the refusal was reported.
        a.receiveData(Capture.frame("{\"type\":\"error\",\"scribe\":\""
                + pushes.get(3).path("scribe").path("id").asText() + "\",\"code\":403,\"message\":\"no\"}"));
        a.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\""
                + pushes.get(4).path("scribe").path("id").asText() + "\"}"));
        await(() -> hub.client("a").pending() == 0);
        assertThat(errors).extracting(ScribeException::code).contains(403);
        assertThat(a.pendingRequests()).isLessThanOrEqualTo(1); // at most the noop confirming the refusal
        assertThat(hub.client("b").pending()).isEqualTo(5);
    }

    @Test
    void pushesAPeerNeverAcknowledgesExpireAndCloseTheSessionOnlyWhenNothingWasAnsweredForTheWholeTimeout() {
        List<ScribeException> errors = new CopyOnWriteArrayList<>();
        Scriber hub = Scriber.builder().clientId("hub").store(io.scribe.core.spi.Store.inMemory()).onError(errors::add)
                .register(Note.class).requestTimeout(java.time.Duration.ofMillis(400)).build();
        Capture toSilent = new Capture(4);
        Capture toSlow = new Capture(4);
        Session silent = cumulativePeer(hub, "silent", toSilent);
        Session slow = cumulativePeer(hub, "slow", toSlow);
        hub.create(new Note("n1", "one", "hub"));
        long started = System.nanoTime();
        // The slow peer acknowledges now and then, each time a little before the timeout; the silent one never.
        for (int i = 2; i <= 4; i++) {
            sleep(250);
            hub.create(new Note("n" + i, "note " + i, "hub"));
            slow.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\"" + (i - 1) + "\"}"));
        }
        await(() -> !silent.isOpen());
        assertThat(System.nanoTime() - started).isGreaterThanOrEqualTo(java.time.Duration.ofMillis(400).toNanos());
        assertThat(errors).anySatisfy(e -> assertThat(e.code()).isEqualTo(ScribeException.TIMEOUT));
        // The slow peer was answered within every timeout: its session stays, its pushes expire on their own only.
        assertThat(slow.isOpen()).isTrue();
        slow.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\"4\"}"));
        assertThat(hub.client("slow").pending()).isZero();
        assertThat(hub.client("silent").pending()).isEqualTo(4);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void beyondTheWindowPushesWaitInTheLogAndGoOutInOrderAsAcksMakeRoom() {
        Scriber hub = Scriber.builder().clientId("hub").store(io.scribe.core.spi.Store.inMemory()).register(Note.class)
                .pushWindow(4).build();
        Capture out = new Capture(4);
        Session session = cumulativePeer(hub, "a", out);
        out.clear();
        for (int i = 1; i <= 20; i++) {
            hub.create(new Note("n" + i, "note " + i, "hub"));
        }
        List<String> pushed = new ArrayList<>();
        // The peer acknowledges whatever it was sent so far, a read at a time, until everything came.
        for (int reads = 0; reads < 50 && pushed.size() < 20; reads++) {
            List<JsonNode> sent = out.messages().stream()
                    .filter(m -> m.path("type").asText().equals("add_scribe")).toList();
            out.clear();
            assertThat(sent.size()).as("never more than the window unanswered").isLessThanOrEqualTo(4);
            sent.forEach(m -> pushed.add(m.path("scribe").path("id").asText()));
            if (!sent.isEmpty()) {
                session.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\""
                        + sent.get(sent.size() - 1).path("scribe").path("id").asText() + "\"}"));
            }
        }
        List<String> inOrder = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            inOrder.add(Integer.toString(i));
        }
        assertThat(pushed).containsExactlyElementsOf(inOrder);
        assertThat(hub.client("a").pending()).isZero();
        assertThat(session.pendingRequests()).isZero();
    }

    @Test
    void aScribeARelaySentIsNotPushedBackToItOncePushesWaitInTheLog() {
        Scriber hub = Scriber.builder().clientId("hub").store(io.scribe.core.spi.Store.inMemory()).register(Note.class)
                .pushWindow(4).build();
        Capture out = new Capture(4);
        Session relay = hub.client("relay").connect(out);
        relay.trustAsRelay();
        var caughtUp = relay.sync();
        JsonNode sync = out.messages().stream().filter(m -> m.path("type").asText().equals("sync")).findFirst()
                .orElseThrow();
        relay.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + sync.path("id").asInt()
                + ",\"result\":[],\"more\":false}"));
        assertThat(caughtUp).isDone();
        relay.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"acks\":\"cumulative\"}"));
        out.clear();
        // The window fills; then the relay hands on a scribe of its client a's before any push waits in the log: it
        // is not pushed back (it came from there).
        for (int i = 1; i <= 4; i++) {
            hub.create(new Note("h" + i, "hub " + i, "hub"));
        }
        relay.receiveData(Capture.frame(create(null, 1, "from a")));
        assertThat(hub.find(Note.class, "n1")).isPresent();
        // Then pushes wait in the log and are read from there, the relay's scribe among them.
        for (int i = 5; i <= 10; i++) {
            hub.create(new Note("h" + i, "hub " + i, "hub"));
        }
        List<String> pushed = new ArrayList<>();
        for (int reads = 0; reads < 50 && pushed.size() < 10; reads++) {
            List<JsonNode> sent = out.messages().stream()
                    .filter(m -> m.path("type").asText().equals("add_scribe")).toList();
            out.clear();
            sent.forEach(m -> pushed.add(m.path("scribe").path("data").path("id").asText()));
            if (!sent.isEmpty()) {
                relay.receiveData(Capture.frame("{\"type\":\"ack\",\"up_to\":\""
                        + sent.get(sent.size() - 1).path("scribe").path("id").asText() + "\"}"));
            }
        }
        assertThat(pushed).as("the hub's ten notes, and never the relay's own back")
                .containsExactly("h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9", "h10");
        assertThat(hub.client("relay").pending()).isZero();
    }

    @Test
    void aPeerWhoseSyncDoesNotSaySoIsPushedToWithRequestIdsAndAnsweredOneByOne() {
        Scriber hub = hub(new ArrayList<>());
        Capture out = new Capture(4);
        Session session = hub.client("a").connect(out);
        session.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null}"));
        out.clear();
        hub.create(new Note("h1", "hub", "hub"));
        JsonNode push = out.last();
        assertThat(push.path("type").asText()).isEqualTo("add_scribe");
        assertThat(push.path("id").asInt()).isPositive();
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + push.path("id").asInt()
                + ",\"result\":true}"));
        assertThat(hub.client("a").pending()).isZero();
        assertThat(session.pendingRequests()).isZero();
    }

    /**
     * Two engines: what {@code a} sends waits until {@link #deliverToB} hands it over as one read (as a stream's
     * reads carry many frames); what {@code b} sends is delivered at once, and kept in {@link #fromB}.
     */
    static final class Pair {
        final Scriber a;
        final Scriber b;
        final AtomicReference<Session> atA = new AtomicReference<>();
        final AtomicReference<Session> atB = new AtomicReference<>();
        final List<byte[]> toB = new ArrayList<>();
        final List<String> fromB = new CopyOnWriteArrayList<>();
        final List<String> sentToB = new CopyOnWriteArrayList<>();

        Pair(Scriber.Builder a, Scriber.Builder b) {
            this.a = a.clientId("a").store(io.scribe.core.spi.Store.inMemory()).register(Note.class).build();
            this.b = b.clientId("b").store(io.scribe.core.spi.Store.inMemory()).register(Note.class).build();
            atA.set(this.a.client("b").connect(new io.scribe.core.spi.Connection() {
                @Override
                public void send(byte[] frame) {
                    sentToB.add(new String(frame, 4, frame.length - 4, java.nio.charset.StandardCharsets.UTF_8));
                    synchronized (toB) {
                        toB.add(frame);
                    }
                }

                @Override
                public void close() {
                    atB.get().disconnect();
                }
            }));
            atB.set(this.b.client("a").connect(new io.scribe.core.spi.Connection() {
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
            atA.get().sync();
            atB.get().sync();
            await(() -> {
                deliverToB();
                return atA.get().isCaughtUp() && atB.get().isCaughtUp();
            });
            fromB.clear();
        }

        void deliverToB() {
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            synchronized (toB) {
                toB.forEach(read::writeBytes);
                toB.clear();
            }
            if (read.size() > 0) {
                atB.get().receiveData(read.toByteArray());
            }
        }

        /** Creates notes {@code from} to {@code to - 1} on a, handing them to b in reads of {@code perRead}. */
        void create(int from, int to, int perRead) {
            for (int i = from; i < to; i++) {
                Note n = new Note();
                n.id = "n" + i;
                n.text = "note " + i;
                n.owner = "a";
                a.create(n);
                if ((i - from) % perRead == perRead - 1) {
                    deliverToB();
                }
            }
        }

        void awaitAcknowledged() {
            await(() -> {
                deliverToB();
                return a.client("b").pending() == 0;
            });
        }

        List<JsonNode> acks() {
            return Peers.ofType(fromB, "ack");
        }
    }

    @Test
    void twoPeersAcknowledgeABurstWithAnAckPerReadAndEndWithEverything() {
        Pair p = new Pair(Scriber.builder(), Scriber.builder().ackDelay(java.time.Duration.ZERO));
        p.create(0, 200, 50);
        p.awaitAcknowledged();
        assertThat(p.b.all(Note.class)).hasSize(200);
        assertThat(p.b.store().cursor("a")).isPresent();
        // Four reads of 50 pushes, acks not delayed: four acks, no answer push by push.
        assertThat(Peers.ofType(p.fromB, "response")).isEmpty();
        assertThat(p.acks()).hasSize(4);
        assertThat(p.atA.get().pendingRequests()).isZero();
    }

    @Test
    void aDelayedAckPassesTheReadsPlayedWithinTheDelay() {
        Pair p = new Pair(Scriber.builder(), Scriber.builder().ackDelay(java.time.Duration.ofMillis(500)));
        String lastPushed = Long.toString(p.a.lastScribeId() + 3);
        p.create(0, 3, 1);
        p.awaitAcknowledged();
        assertThat(p.b.all(Note.class)).hasSize(3);
        // Three reads of one push each, within the delay: one ack, passing the last of them.
        assertThat(p.acks()).extracting(m -> m.path("up_to").asText()).containsExactly(lastPushed);
        assertThat(p.b.store().cursor("a")).contains(lastPushed);
    }

    @Test
    void halfAWindowOfPushesIsAckedAtOnceWhateverTheDelay() {
        // A window of 16: b acks as soon as 8 pushes are played since its last ack; the delay (longer than the
        // wait below) never runs out, so the pusher only goes on because of those acks.
        Pair p = new Pair(Scriber.builder().pushWindow(16), Scriber.builder().ackDelay(java.time.Duration.ofMinutes(5)));
        p.create(0, 40, 5);
        p.awaitAcknowledged();
        assertThat(p.b.all(Note.class)).hasSize(40);
        List<JsonNode> acks = p.acks();
        assertThat(acks).hasSize(4);
        assertThat(acks.get(3).path("up_to").asText()).isEqualTo(Long.toString(p.a.lastScribeId()));
        // A read of fewer than half a window waits for the delay: the last ack is still the one of push 40.
        p.create(40, 41, 1);
        assertThat(p.b.all(Note.class)).hasSize(41);
        assertThat(p.acks()).hasSize(4);
        assertThat(p.a.client("b").pending()).isEqualTo(1);
    }

    @Test
    void aClosingPeerSendsTheAckItHoldsBack() {
        Pair p = new Pair(Scriber.builder(), Scriber.builder().ackDelay(java.time.Duration.ofMinutes(5)));
        p.create(0, 3, 3);
        assertThat(p.b.all(Note.class)).hasSize(3);
        assertThat(p.acks()).as("held back for the delay").isEmpty();
        assertThat(p.a.client("b").pending()).isEqualTo(3);

        p.b.close();

        assertThat(p.acks()).extracting(m -> m.path("up_to").asText())
                .containsExactly(Long.toString(p.a.lastScribeId()));
        assertThat(p.a.client("b").pending()).isZero();
    }

    @Test
    void aSessionDisconnectedOnPurposeSendsTheAckItHoldsBackFirst() {
        Pair p = new Pair(Scriber.builder(), Scriber.builder().ackDelay(java.time.Duration.ofMinutes(5)));
        p.create(0, 3, 3);
        assertThat(p.acks()).as("held back for the delay").isEmpty();

        p.atB.get().disconnect();

        assertThat(p.acks()).extracting(m -> m.path("up_to").asText())
                .containsExactly(Long.toString(p.a.lastScribeId()));
        assertThat(p.a.client("b").pending()).isZero();
        assertThat(p.atA.get().isOpen()).isFalse();
    }

    @Test
    void theAnswerToASyncThatSaysCumulativeStatesThePushWindow() {
        Scriber hub = Scriber.builder().clientId("hub").store(io.scribe.core.spi.Store.inMemory()).pushWindow(64)
                .register(Note.class).build();
        Capture cumulative = new Capture(4);
        cumulativePeer(hub, "a", cumulative);
        assertThat(cumulative.last().path("window").asInt()).isEqualTo(64);
        Capture oneByOne = new Capture(4);
        hub.client("c").connect(oneByOne).receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null}"));
        assertThat(oneByOne.last().path("type").asText()).isEqualTo("response");
        assertThat(oneByOne.last().has("window")).isFalse();
    }

    /** Waits up to 10 s for {@code condition}; also used by the other ack tests of this package. */
    static void await(java.util.function.BooleanSupplier condition) {
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
            case "ack" -> "ack " + m.path("up_to").asText();
            case "error" -> m.has("scribe") ? "error scribe " + m.path("scribe").asText() + " " + m.path("code").asInt()
                    : "error " + m.path("id").asInt() + " " + m.path("code").asInt();
            default -> type + " " + m.path("id").asInt();
        };
    }
}
