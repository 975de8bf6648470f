package io.scribe.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a session's catch-up pages on a thread of their own, so that the thread that reads the session reads and
 * parses page N+1 (asked for before page N is played) while page N is played. Used only for a page after which more
 * follow, on a transport that reads on a thread of its own ({@link io.scribe.core.spi.Connection#readsOnOwnThread}):
 * every other message of the session waits here until the pages handed over are played ({@link #await}), so that
 * messages keep their order (the pushes that follow the last page, the last page itself). One thread at most, started
 * when a page is handed over and ended a second after the last one was played.
 */
final class PagePlayer {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final String clientId;
    // Made when the first page is handed over: most sessions never hand one.
    private ThreadPoolExecutor executor;
    // The last page handed over, done once it was played; guarded by the inbound decoder (one reading thread).
    private CompletableFuture<Void> last = CompletableFuture.completedFuture(null);
    private volatile Thread playing;

    PagePlayer(String clientId) {
        this.clientId = clientId;
    }

    /** Plays {@code page} after the pages handed over before it, on this player's thread. */
    void hand(Runnable page) {
        if (executor == null) {
            executor = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "scribe-pages-" + clientId);
                t.setDaemon(true);
                return t;
            });
            executor.allowCoreThreadTimeOut(true);
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        last = done;
        executor.execute(() -> {
            playing = Thread.currentThread();
            try {
                page.run();
            } catch (RuntimeException e) {
                log.error("catch-up page failed", e);
            } finally {
                playing = null;
                done.complete(null);
            }
        });
    }

    /**
     * Waits until the pages handed over are played; at once when none waits, or when called from this player's own
     * thread (a transport that delivers an answer on the thread that sent the request).
     */
    void await() {
        CompletableFuture<Void> waiting = last;
        if (waiting.isDone() || Thread.currentThread() == playing) {
            return;
        }
        boolean interrupted = false;
        while (true) {
            try {
                waiting.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (java.util.concurrent.ExecutionException e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
