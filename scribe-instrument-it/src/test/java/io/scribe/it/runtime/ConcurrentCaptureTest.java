package io.scribe.it.runtime;

import static io.scribe.it.runtime.Capture.log;
import static io.scribe.it.runtime.Capture.peer;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.it.runtime.model.Card;
import io.scribe.testkit.Network;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Several threads change enhanced objects at once, each its own card and each one field of a shared card. Every value
 * a thread writes is recorded, in the order it wrote them, scribe ids follow the HLC, and a second peer ends with the
 * same objects.
 */
class ConcurrentCaptureTest {

    private static final int WRITES = 300;

    @Test
    void everyWriteFromEveryThreadIsRecordedInHlcOrder() throws Exception {
        Network net = new Network(new Random(5));
        Scriber a = peer("a", Card.class);
        Scriber b = peer("b", Card.class);
        net.link(a, b);
        net.settle();
        var shared = a.call(() -> new Card("shared", "shared"));
        List<String> own = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            own.add(a.call(() -> new Card("title")).id());
        }

        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            var mine = a.find(Card.class, own.get(t)).orElseThrow();
            done.add(pool.submit(() -> {
                start.await();
                for (int i = 1; i <= WRITES; i++) {
                    mine.setPoints(i);
                    switch (thread) {
                        case 0 -> shared.setTitle("title " + i);
                        case 1 -> shared.setPoints(i);
                        case 2 -> shared.estimate(i, 0.5);
                        default -> shared.setDue(LocalDate.ofEpochDay(i));
                    }
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        net.settle();

        List<Scribe> log = log(a);
        for (int i = 1; i < log.size(); i++) {
            assertThat(log.get(i).clock()).as("clock of scribe " + log.get(i).id()).isGreaterThan(log.get(i - 1).clock());
        }
        Map<String, List<String>> values = new HashMap<>();
        for (Scribe s : log) {
            if (s.type() == Scribe.Type.UPDATE) {
                String id = s.data().get(0).asText();
                s.data().get(1).fields().forEachRemaining(e -> values
                        .computeIfAbsent(id + "." + e.getKey(), k -> new ArrayList<>()).add(text(e.getValue())));
            }
        }
        List<String> counting = new ArrayList<>();
        List<String> titles = new ArrayList<>();
        List<String> days = new ArrayList<>();
        for (int i = 1; i <= WRITES; i++) {
            counting.add(Integer.toString(i));
            titles.add("title " + i);
            days.add(LocalDate.ofEpochDay(i).toString());
        }
        for (String id : own) {
            assertThat(values.get(id + ".points")).as("points of " + id).isEqualTo(counting);
        }
        assertThat(values.get("shared.title")).isEqualTo(titles);
        assertThat(values.get("shared.points")).isEqualTo(counting);
        assertThat(values.get("shared.estimateMillis")).isEqualTo(counting);
        assertThat(values.get("shared.due")).isEqualTo(days);

        for (Card c : a.all(Card.class)) {
            assertThat(b.find(Card.class, c.id()).orElseThrow().toString()).isEqualTo(c.toString());
        }
    }

    private static String text(JsonNode value) {
        return value.isTextual() ? value.asText() : value.toString();
    }
}
