package io.scribe.core;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plays a session's catch-up pages on another thread, so that the thread that reads the session reads and parses page
 * N+1 (asked for before page N is played) while page N is played. Used only for a page after which more follow, on a
 * transport that reads on a thread of its own ({@link io.scribe.core.spi.Connection#readsOnOwnThread}): every other
 * message of the session waits here until the pages handed over are played ({@link #await}), so that messages keep
 * their order (the pushes that follow the last page, the last page itself). A session's pages are played one at a
 * time, in order, by a pool of daemon threads shared by all sessions (as many as processors, ended when idle).
 */
final class PagePlayer {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private static final ThreadPoolExecutor POOL = pool();
    // What a session that handed no page over waits for: nothing (one for all sessions).
    private static final CompletableFuture<Void> NONE = CompletableFuture.completedFuture(null);

    private static ThreadPoolExecutor pool() {
        AtomicInteger made = new AtomicInteger();
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 1, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "scribe-pages-" + made.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private final String clientId;
    // The last page handed over, done once it was played; written by the session's reading thread only.
    private volatile CompletableFuture<Void> last = NONE;
    // The thread playing one of this session's pages, while one does.
    private volatile Thread playing;

    PagePlayer(String clientId) {
        this.clientId = clientId;
    }

    /** Plays {@code page} after the pages handed over before it, on a thread of the pool. */
    void hand(Runnable page) {
        // After the one before, however that one ended.
        last = last.handleAsync((done, failure) -> {
            playing = Thread.currentThread();
            try {
                page.run();
            } catch (RuntimeException e) {
                log.error("session {}: catch-up page failed", clientId, e);
            } finally {
                playing = null;
            }
            return null;
        }, POOL);
    }

    /**
     * Waits until the pages handed over are played; at once when none waits, or when called while one of them is
     * being played on this thread (a transport that delivers an answer on the thread that sent the request).
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
