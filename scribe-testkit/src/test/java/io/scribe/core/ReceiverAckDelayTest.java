package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A pusher stating how long its receivers may hold their cumulative acks ({@link Scriber.Builder#receiverAckDelay}):
 * the field {@code ackDelay} beside {@code window} in its answer to a {@code sync} that said {@code acks:
 * "cumulative"}, honoured by the receiver for the acks of that pusher's pushes only, with the half-window rule and
 * the at-once errors unchanged, and values from the wire that cannot be used ignored or held to 10 seconds.
 */
class ReceiverAckDelayTest {

    private static Scriber hub(Scriber.Builder builder) {
        return builder.clientId("hub").store(io.scribe.core.spi.Store.inMemory()).register(Note.class).build();
    }

    /** The text of the one frame a peer sent in answer to {@code sync} id 1. */
    private static String answerText(Capture out) {
        synchronized (out) {
            for (byte[] f : out.frames) {
                String text = new String(f, 4, f.length - 4, StandardCharsets.UTF_8);
                if (text.startsWith("{\"type\":\"response\",\"id\":1,")) {
                    return text;
                }
            }
        }
        throw new AssertionError("no answer to sync 1");
    }

    @Test
    void theAnswerToACumulativeSyncStatesTheDelayInMillisecondsBesideTheWindow() {
        Scriber stating = hub(Scriber.builder().pushWindow(64).receiverAckDelay(Duration.ofMillis(150)));
        Capture cumulative = new Capture(4);
        stating.client("a").connect(cumulative)
                .receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"acks\":\"cumulative\"}"));
        assertThat(answerText(cumulative)).startsWith("{\"type\":\"response\",\"id\":1,\"window\":64,\"ackDelay\":150,");

        // A sync that does not say it acks cumulatively (Syncro, earlier versions) gets neither field.
        Capture oneByOne = new Capture(4);
        stating.client("c").connect(oneByOne).receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null}"));
        assertThat(answerText(oneByOne)).doesNotContain("\"window\"").doesNotContain("\"ackDelay\"");

        // By default nothing is stated: receivers use their own ackDelay, as before.
        Scriber silent = hub(Scriber.builder().pushWindow(64));
        Capture plain = new Capture(4);
        silent.client("a").connect(plain)
                .receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"acks\":\"cumulative\"}"));
        assertThat(answerText(plain)).contains("\"window\":64").doesNotContain("\"ackDelay\"");
        stating.close();
        silent.close();
    }

    @Test
    void theOptionIsBoundedByWhatReceiversAcceptAndByTheRequestTimeout() {
        assertThatThrownBy(() -> Scriber.builder().receiverAckDelay(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Scriber.builder().receiverAckDelay(Duration.ofSeconds(11)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hub(Scriber.builder().requestTimeout(Duration.ofSeconds(2))
                .receiverAckDelay(Duration.ofSeconds(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("request timeout");
        hub(Scriber.builder().receiverAckDelay(Duration.ofSeconds(10))).close();
        hub(Scriber.builder().receiverAckDelay(Duration.ZERO)).close();
        hub(Scriber.builder().receiverAckDelay(Duration.ofSeconds(1)).receiverAckDelay(null)).close();
    }

    @Test
    void aReceiverToldALongerDelaySendsFewerAcksOverABurstAndTheLastOneWithinIt() {
        // Two hubs push the same burst, one change per read, to receivers with the default ackDelay (20 ms); one hub
        // states 2 s. The burst is paced by the other receiver's acks, each of which comes within its own 20 ms.
        CumulativeAckTest.Pair told = new CumulativeAckTest.Pair(
                Scriber.builder().receiverAckDelay(Duration.ofSeconds(2)), Scriber.builder());
        CumulativeAckTest.Pair own = new CumulativeAckTest.Pair(Scriber.builder(), Scriber.builder());
        int burst = 10;
        for (int i = 0; i < burst; i++) {
            told.create(i, i + 1, 1);
            own.create(i, i + 1, 1);
            CumulativeAckTest.await(() -> own.a.client("b").pending() == 0);
        }
        assertThat(own.acks()).as("the receiver using its own delay acked every change").hasSize(burst);
        assertThat(told.b.all(Note.class)).hasSize(burst);
        // Held for up to 2 s, then one ack passes every push played meanwhile, without the pusher asking.
        long start = System.nanoTime();
        CumulativeAckTest.await(() -> told.a.client("b").pending() == 0);
        assertThat(told.acks().size()).as("acks of the receiver told 2 s").isLessThan(burst / 2);
        assertThat(told.acks().get(told.acks().size() - 1).path("up_to").asText())
                .isEqualTo(Long.toString(told.a.lastScribeId()));
        assertThat(System.nanoTime() - start).as("the ack came within the stated delay")
                .isLessThan(TimeUnit.SECONDS.toNanos(3));
        assertThat(told.b.store().cursor("a")).contains(Long.toString(told.a.lastScribeId()));
        close(told, own);
    }

    @Test
    void halfAWindowIsStillAckedAtOnceAndAClosingReceiverSendsTheAckItHolds() {
        // A window of 16 and the longest stated delay: the pusher goes on only because of the half-window acks.
        CumulativeAckTest.Pair p = new CumulativeAckTest.Pair(
                Scriber.builder().pushWindow(16).receiverAckDelay(Duration.ofSeconds(10)), Scriber.builder());
        p.create(0, 40, 5);
        CumulativeAckTest.await(() -> {
            p.deliverToB();
            return p.b.all(Note.class).size() == 40;
        });
        List<JsonNode> acks = p.acks();
        assertThat(acks).hasSize(4);
        assertThat(acks.get(3).path("up_to").asText()).isEqualTo(Long.toString(p.a.lastScribeId()));
        assertThat(p.a.client("b").pending()).isZero();
        // Fewer than half a window waits for the stated delay, or for the receiver to close.
        p.create(40, 43, 1);
        assertThat(p.b.all(Note.class)).hasSize(43);
        assertThat(p.acks()).hasSize(4);
        assertThat(p.a.client("b").pending()).isEqualTo(3);
        p.b.close();
        assertThat(p.acks()).hasSize(5);
        assertThat(p.a.client("b").pending()).isZero();
        p.a.close();
    }

    @Test
    void theReceiversOwnPushesAreAckedUnderThePushersOwnDelayNotTheStatedOne() {
        // a states 10 s for b's acks; a's own ackDelay is zero, b's is the default. Each side's pushes are acked
        // under the other's rule: b holds its acks of a's pushes, a acks b's pushes at once.
        CumulativeAckTest.Pair p = new CumulativeAckTest.Pair(
                Scriber.builder().receiverAckDelay(Duration.ofSeconds(10)).ackDelay(Duration.ZERO), Scriber.builder());
        p.create(0, 1, 1);
        assertThat(p.b.all(Note.class)).hasSize(1);
        assertThat(p.acks()).as("b holds its ack of a's push").isEmpty();

        int acksToB = acksTo(p);
        Note n = new Note();
        n.id = "b1";
        n.text = "from b";
        n.owner = "b";
        p.b.create(n);
        assertThat(p.a.all(Note.class)).extracting(x -> x.id).contains("b1");
        // a's ack of b's push was sent with the read that carried it, without waiting for any delay.
        assertThat(acksTo(p)).isEqualTo(acksToB + 1);
        p.deliverToB();
        assertThat(p.b.client("a").pending()).isZero();
        assertThat(p.a.client("b").pending()).as("a's push is still held by b").isEqualTo(1);
        p.b.close();
        p.a.close();
    }

    @Test
    void aReceiverWhoseHeldAckWasLostIsSentNothingAgainWhenItComesBack() {
        CumulativeAckTest.Pair p = new CumulativeAckTest.Pair(
                Scriber.builder().receiverAckDelay(Duration.ofSeconds(10)), Scriber.builder());
        p.create(0, 3, 1);
        assertThat(p.b.all(Note.class)).hasSize(3);
        assertThat(p.acks()).as("held by b").isEmpty();
        // The pusher's end goes first: the ack b sends as its session closes reaches no open session.
        p.atA.get().disconnect();
        assertThat(p.atB.get().isOpen()).isFalse();
        assertThat(p.a.client("b").pending()).as("a never learnt that b stored them").isEqualTo(3);

        // b comes back on a new connection: its catch-up starts after the pushes it stored, so nothing is sent again.
        List<String> toB = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicReference<Session> atA = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<Session> atB = new java.util.concurrent.atomic.AtomicReference<>();
        atA.set(p.a.client("b").connect(new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                toB.add(new String(frame, 4, frame.length - 4, StandardCharsets.UTF_8));
                atB.get().receiveData(frame);
            }

            @Override
            public void close() {}
        }));
        atB.set(p.b.client("a").connect(new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                atA.get().receiveData(frame);
            }

            @Override
            public void close() {}
        }));
        atB.get().sync();
        CumulativeAckTest.await(() -> atB.get().isCaughtUp());
        List<String> pages = toB.stream().filter(t -> t.startsWith("{\"type\":\"response\"")).toList();
        assertThat(pages).hasSize(1);
        assertThat(pages.get(0)).contains("\"result\":[]").contains("\"ackDelay\":10000");
        assertThat(toB).noneMatch(t -> t.contains("add_scribe"));
        assertThat(p.a.client("b").pending()).as("acknowledged by b's sync").isZero();
        assertThat(p.b.all(Note.class)).hasSize(3);
        p.b.close();
        p.a.close();
    }

    private static int acksTo(CumulativeAckTest.Pair p) {
        return (int) p.sentToB.stream().filter(t -> t.startsWith("{\"type\":\"ack\"")).count();
    }

    /** A hub that receives pushes from a hand-written peer whose answer to the hub's sync states {@code ackDelay}. */
    private static String pushedAndAnswered(String statedAckDelay) {
        Scriber hub = hub(Scriber.builder().ackDelay(Duration.ZERO));
        Capture out = new Capture(4);
        Session session = hub.client("a").connect(out);
        var caughtUp = session.sync();
        JsonNode sync = out.messages().stream().filter(m -> m.path("type").asText().equals("sync")).findFirst()
                .orElseThrow();
        session.receiveData(Capture.frame("{\"type\":\"response\",\"id\":" + sync.path("id").asInt()
                + ",\"window\":256" + (statedAckDelay == null ? "" : ",\"ackDelay\":" + statedAckDelay)
                + ",\"result\":[],\"more\":false}"));
        assertThat(caughtUp).isDone();
        out.clear();
        session.receiveData(Capture.frame("{\"type\":\"add_scribe\",\"scribe\":{\"id\":\"1\",\"klass\":\"Note\","
                + "\"type\":\"create\",\"data\":{\"id\":\"n1\",\"text\":\"one\",\"owner\":\"a\"},\"origin\":\"a\","
                + "\"clock\":111542062186496001}}"));
        assertThat(hub.all(Note.class)).hasSize(1);
        assertThat(session.isOpen()).isTrue();
        String answer = out.messages().stream().map(JsonNode::toString).reduce("", String::concat);
        hub.close();
        return answer;
    }

    @Test
    void valuesThatCannotBeUsedAreIgnoredAndTheReceiverUsesItsOwnDelay() {
        // The receiver's own ackDelay is zero: an ack right after the read shows it ignored the stated value.
        assertThat(pushedAndAnswered(null)).isEqualTo("{\"type\":\"ack\",\"up_to\":\"1\"}");
        for (String bad : new String[] {"-1", "-0.5", "\"500\"", "null", "true", "{\"ms\":500}", "[500]"}) {
            assertThat(pushedAndAnswered(bad)).as("ackDelay " + bad).isEqualTo("{\"type\":\"ack\",\"up_to\":\"1\"}");
        }
        // Usable values are honoured: the ack is held (huge ones held to 10 s).
        // (A number beyond a double, 1e400, makes the whole answer malformed, as in any message: refused with 400.)
        for (String held : new String[] {"5000", "250.7", "99999999999999999999999", "1e300"}) {
            assertThat(pushedAndAnswered(held)).as("ackDelay " + held).isEmpty();
        }
        // Zero asks for an ack after every read.
        assertThat(pushedAndAnswered("0")).isEqualTo("{\"type\":\"ack\",\"up_to\":\"1\"}");
    }

    @Test
    void theStatedValueIsReadAsWholeMillisecondsUpToTenSeconds() throws Exception {
        long ms = TimeUnit.MILLISECONDS.toNanos(1);
        assertThat(HeldAck.statedDelay(null)).isEqualTo(-1);
        assertThat(HeldAck.statedDelay(json("\"100\""))).isEqualTo(-1);
        assertThat(HeldAck.statedDelay(json("-1"))).isEqualTo(-1);
        assertThat(HeldAck.statedDelay(json("-1e400"))).isEqualTo(-1);
        assertThat(HeldAck.statedDelay(json("0"))).isZero();
        assertThat(HeldAck.statedDelay(json("100"))).isEqualTo(100 * ms);
        assertThat(HeldAck.statedDelay(json("100.9"))).isEqualTo(100 * ms);
        assertThat(HeldAck.statedDelay(json("10000"))).isEqualTo(10_000 * ms);
        assertThat(HeldAck.statedDelay(json("10001"))).isEqualTo(10_000 * ms);
        assertThat(HeldAck.statedDelay(json("99999999999999999999999"))).isEqualTo(10_000 * ms);
        assertThat(HeldAck.statedDelay(json("1e400"))).isEqualTo(10_000 * ms);
    }

    private static JsonNode json(String text) throws Exception {
        return Peers.JSON.readTree(text);
    }

    private static void close(CumulativeAckTest.Pair... pairs) {
        for (CumulativeAckTest.Pair p : pairs) {
            p.b.close();
            p.a.close();
        }
    }
}
