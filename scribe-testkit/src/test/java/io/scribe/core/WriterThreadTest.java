package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A change pushed to many sessions is handed to each connection's writer thread when the connection has one ({@code
 * Connection.executeOnWriter}): the thread that made the change does not write to every session itself. Answers and
 * errors still leave at once on the thread that produced them, and what was handed over but not written yet goes out
 * before a session closes.
 */
class WriterThreadTest {

    private final List<ExecutorService> writers = new ArrayList<>();

    @AfterEach
    void stopWriters() {
        writers.forEach(ExecutorService::shutdownNow);
    }

    /** A captured connection whose writer is a thread of its own, named {@code name}; notes who sent each frame. */
    private final class Written extends Capture {
        final ExecutorService writer;
        final List<String> senders = new ArrayList<>();

        Written(String name) {
            super(4);
            writer = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
            writers.add(writer);
        }

        @Override
        public synchronized void send(byte[] frame) {
            senders.add(Thread.currentThread().getName());
            super.send(frame);
        }

        @Override
        public boolean executeOnWriter(Runnable task) {
            writer.execute(task);
            return true;
        }

        /** Waits until the writer ran everything handed to it so far. */
        void settle() throws Exception {
            writer.submit(() -> { }).get(10, TimeUnit.SECONDS);
        }

        synchronized List<String> types() {
            return messages().stream().map(m -> m.path("type").asText()).toList();
        }
    }

    private static Session cumulativePeer(Scriber hub, String id, Capture out) {
        Session session = hub.client(id).connect(out);
        session.receiveData(Capture.frame("{\"type\":\"sync\",\"id\":1,\"from\":null,\"acks\":\"cumulative\"}"));
        return session;
    }

    @Test
    void aChangeReachesEverySessionThroughItsWriterWhileAnswersLeaveAtOnce() throws Exception {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        List<Written> outs = new ArrayList<>();
        List<Session> sessions = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Written out = new Written("writer-" + i);
            outs.add(out);
            sessions.add(cumulativePeer(hub, "p" + i, out));
        }
        for (Written out : outs) {
            out.settle();
            out.clear();
            out.senders.clear();
        }

        hub.create(new Note("n1", "one", "hub"));
        for (int i = 0; i < outs.size(); i++) {
            Written out = outs.get(i);
            out.settle();
            List<JsonNode> pushes = out.messages().stream()
                    .filter(m -> m.path("type").asText().equals("add_scribe")).toList();
            assertThat(pushes).hasSize(1);
            assertThat(pushes.get(0).path("scribe").path("data").path("text").asText()).isEqualTo("one");
            assertThat(out.senders).containsOnly("writer-" + i);
        }

        // A request's answer is written by the thread that read the request, before receiveData returns.
        Written first = outs.get(0);
        first.clear();
        first.senders.clear();
        sessions.get(0).receiveData(Capture.frame("{\"type\":\"noop\",\"id\":9}"));
        assertThat(first.types()).containsExactly("response");
        assertThat(first.senders).containsExactly(Thread.currentThread().getName());
        hub.close();
    }

    @Test
    void pushesHandedOverButNotWrittenGoOutBeforeTheSessionCloses() throws Exception {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        Written out = new Written("writer-held");
        Session session = cumulativePeer(hub, "held", out);
        out.settle();
        out.clear();
        // The writer is busy: the push handed to it waits.
        CountDownLatch release = new CountDownLatch(1);
        out.writer.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        hub.create(new Note("n1", "one", "hub"));
        assertThat(out.types()).isEmpty();
        session.disconnect();
        assertThat(out.types()).containsExactly("add_scribe");
        assertThat(out.closed).isTrue();

        release.countDown();
        out.settle();
        // Sent once: the writer found nothing left.
        assertThat(out.types()).containsExactly("add_scribe");
        hub.close();
    }

    /** Holds the writer of {@code out} until the latch is released. */
    private static CountDownLatch hold(Written out) {
        CountDownLatch release = new CountDownLatch(1);
        out.writer.execute(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return release;
    }

    @Test
    void aPushHandedToABusyWriterLeavesBeforeAnAnswerQueuedAfterIt() throws Exception {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        Written out = new Written("writer-busy");
        Session session = cumulativePeer(hub, "busy", out);
        out.settle();
        out.clear();
        CountDownLatch release = hold(out);

        hub.create(new Note("n1", "one", "hub"));
        assertThat(out.types()).isEmpty();
        // The answer leaves at once on the reading thread, and the push handed over before it goes first.
        session.receiveData(Capture.frame("{\"type\":\"noop\",\"id\":9}"));
        assertThat(out.types()).containsExactly("add_scribe", "response");

        release.countDown();
        out.settle();
        assertThat(out.types()).containsExactly("add_scribe", "response");
        hub.close();
    }

    @Test
    void pushesMadeWhileTheWriterIsBusyLeaveInLogOrder() throws Exception {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        Written out = new Written("writer-burst");
        cumulativePeer(hub, "burst", out);
        out.settle();
        out.clear();
        out.senders.clear();
        CountDownLatch release = hold(out);

        for (int i = 1; i <= 6; i++) {
            hub.create(new Note("n" + i, "text " + i, "hub"));
        }
        release.countDown();
        out.settle();
        List<String> texts = new ArrayList<>();
        for (JsonNode m : out.messages()) {
            if (m.path("type").asText().equals("add_scribes")) {
                m.path("scribes").forEach(sc -> texts.add(sc.path("data").path("text").asText()));
            } else if (m.path("type").asText().equals("add_scribe")) {
                texts.add(m.path("scribe").path("data").path("text").asText());
            }
        }
        assertThat(texts).containsExactly("text 1", "text 2", "text 3", "text 4", "text 5", "text 6");
        assertThat(out.senders).containsOnly("writer-burst");
        hub.close();
    }

    @Test
    void pushesStayInLogOrderWhileAnswersAreQueuedFromAnotherThread() throws Exception {
        Scriber hub = CumulativeAckTest.hub(new ArrayList<>());
        Written out = new Written("writer-mixed");
        Session session = cumulativePeer(hub, "mixed", out);
        out.settle();
        out.clear();
        int changes = 200;
        Thread reader = new Thread(() -> {
            for (int i = 0; i < changes; i++) {
                session.receiveData(Capture.frame("{\"type\":\"noop\",\"id\":" + (100 + i) + "}"));
            }
        });
        reader.start();
        for (int i = 1; i <= changes; i++) {
            hub.create(new Note("n" + i, "text " + i, "hub"));
        }
        reader.join();
        out.settle();
        List<Integer> texts = new ArrayList<>();
        int answers = 0;
        for (JsonNode m : out.messages()) {
            switch (m.path("type").asText()) {
                case "add_scribes" -> m.path("scribes").forEach(
                        sc -> texts.add(Integer.parseInt(sc.path("data").path("text").asText().substring(5))));
                case "add_scribe" -> texts.add(
                        Integer.parseInt(m.path("scribe").path("data").path("text").asText().substring(5)));
                case "response" -> answers++;
                default -> { }
            }
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= changes; i++) {
            expected.add(i);
        }
        assertThat(texts).isEqualTo(expected);
        assertThat(answers).isEqualTo(changes);
        hub.close();
    }
}
