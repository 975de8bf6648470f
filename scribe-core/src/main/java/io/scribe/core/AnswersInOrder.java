package io.scribe.core;

import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Runs the handlers of answers one at a time, in the order they were handed over, on the thread that hands one over
 * while none runs: with a connection that delivers on the sending thread (an in-process pair of sessions), the answer
 * to a request made inside a handler arrives while that handler is still running, and waits here until it is done. A
 * handler that throws is reported and the next one runs.
 */
final class AnswersInOrder {

    private final ArrayDeque<Runnable> held = new ArrayDeque<>();
    private final Consumer<RuntimeException> onFailure;
    private boolean handling;

    AnswersInOrder(Consumer<RuntimeException> onFailure) {
        this.onFailure = onFailure;
    }

    void run(Runnable answer) {
        synchronized (held) {
            held.add(answer);
            if (handling) {
                return;
            }
            handling = true;
        }
        while (true) {
            Runnable next;
            synchronized (held) {
                next = held.poll();
                if (next == null) {
                    handling = false;
                    return;
                }
            }
            try {
                next.run();
            } catch (RuntimeException e) {
                onFailure.accept(e);
            }
        }
    }
}
