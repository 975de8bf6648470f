package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * On a transport that reads on a thread of its own ({@code Connection.readsOnOwnThread}), a catch-up page after which
 * more follow is played on another thread while the reading thread reads the next one: pages still play in order, and
 * the pushes that follow the last page are played after it, while the pusher keeps writing during the catch-up.
 */
class PagePlayerTest {

    private final List<ExecutorService> readers = new ArrayList<>();

    @AfterEach
    void stopReaders() {
        readers.forEach(ExecutorService::shutdownNow);
    }

    /** A connection whose frames reach {@code to} on a reading thread of their own, in order. */
    private io.scribe.core.spi.Connection readOnThread(String name, AtomicReference<Session> to, List<String> readBy) {
        ExecutorService reader = Executors.newSingleThreadExecutor(r -> new Thread(r, name));
        readers.add(reader);
        return new io.scribe.core.spi.Connection() {
            @Override
            public void send(byte[] frame) {
                reader.execute(() -> {
                    readBy.add(Thread.currentThread().getName());
                    to.get().receiveData(frame);
                });
            }

            @Override
            public boolean readsOnOwnThread() {
                return true;
            }

            @Override
            public void close() {
                reader.execute(() -> to.get().disconnect());
            }
        };
    }

    private static Map<String, String> texts(Scriber s) {
        return s.all(Note.class).stream().collect(Collectors.toMap(n -> n.id, n -> n.text));
    }

    @Test
    void pagesPlayedBesideTheReadingThreadEndInOrderWithThePushesAfterThem() throws Exception {
        List<ScribeException> errors = new CopyOnWriteArrayList<>();
        Scriber a = Scriber.builder().clientId("a").store(io.scribe.core.spi.Store.inMemory()).register(Note.class)
                .pageSize(20).onError(errors::add).build();
        Scriber b = Scriber.builder().clientId("b").store(io.scribe.core.spi.Store.inMemory()).register(Note.class)
                .pageSize(20).onError(errors::add).build();
        for (int i = 0; i < 400; i++) {
            a.create(new Note("n" + i, "first " + i, "a"));
        }
        List<String> readByB = new CopyOnWriteArrayList<>();
        AtomicReference<Session> atA = new AtomicReference<>();
        AtomicReference<Session> atB = new AtomicReference<>();
        // Each side's connection delivers to the other side on that side's reading thread.
        atA.set(a.client("b").connect(readOnThread("b-reads", atB, readByB)));
        atB.set(b.client("a").connect(readOnThread("a-reads", atA, new CopyOnWriteArrayList<>())));
        // Until b is caught up and a while after: each new note is edited right after its create, so an edit pushed
        // after the last page refers to a note that page may carry.
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger written = new java.util.concurrent.atomic.AtomicInteger();
        Thread writer = new Thread(() -> {
            for (int i = 0; !stop.get() && i < 20_000; i++) {
                Note created = a.create(new Note("m" + i, "new " + i, "a"));
                created.text = "edited " + i;
                a.save(created);
                written.set(i + 1);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        atB.get().sync();
        writer.start();
        CumulativeAckTest.await(() -> atB.get().isCaughtUp());
        int atCaughtUp = written.get();
        CumulativeAckTest.await(() -> written.get() >= atCaughtUp + 50 || !writer.isAlive());
        stop.set(true);
        writer.join();
        CumulativeAckTest.await(() -> texts(b).equals(texts(a)));

        int last = written.get() - 1;
        assertThat(texts(b)).hasSize(400 + written.get()).containsEntry("n399", "first 399")
                .containsEntry("m" + last, "edited " + last);
        assertThat(readByB).as("b read its pages on its reading thread").isNotEmpty().containsOnly("b-reads");
        assertThat(errors).isEmpty();
        b.close();
        a.close();
    }
}
