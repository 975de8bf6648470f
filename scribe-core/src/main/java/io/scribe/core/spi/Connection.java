package io.scribe.core.spi;

/**
 * The user's transport, as a {@link io.scribe.core.Session} sees it: the one thing a user implements to carry Scribe
 * over a pipe of their choice.
 *
 * <p>A stream connection (TCP, a pipe) gets complete length-prefixed frames through {@link #send(byte[])}; a
 * message connection (WebSocket) answers {@code true} from {@link #messageOriented()} and gets each message as JSON
 * text through {@link #sendText(String)}.
 *
 * <p>The session calls {@code send}/{@code sendText} from one thread at a time, in order; implementations must not
 * block for long (queue the bytes) and may call back into the session from another thread.
 */
public interface Connection {

    /** Sends one length-prefixed frame. The array is not reused by the caller. */
    void send(byte[] frame);

    /**
     * Sends one JSON message on a message-oriented transport. The default encodes it as UTF-8 and calls {@link
     * #send(byte[])}.
     */
    default void sendText(String message) {
        send(message.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Sends one JSON message on a message-oriented transport, given both as text and as its UTF-8 bytes. A scribe
     * pushed to many sessions is encoded once and handed to each of them this way, so a transport may write the
     * bytes as they are (wrapped, not copied) instead of encoding the text again. The array is shared by those
     * sessions: it must not be changed. The default calls {@link #sendText(String)}.
     */
    default void sendText(String message, byte[] utf8) {
        sendText(message);
    }

    /** Whether the transport frames messages itself, so that {@link #sendText} is used and no prefix is added. */
    default boolean messageOriented() {
        return false;
    }

    /**
     * Runs {@code task} on the thread that writes this transport's bytes (for example a Netty channel's event loop),
     * after the tasks handed to it before, and returns {@code true}; or returns {@code false} when the transport has
     * no such thread. A scribe pushed to many sessions is handed to each of them through this as it is relayed, while
     * the engine's lock is held, so that each session's messages are sent on its writer's thread, not one after
     * another on the thread that made the change: queue the task, never run it on the calling thread. The task calls
     * {@code send}/{@code sendText} itself. The default returns {@code false}: the messages are sent from the thread
     * that queued them, after the lock is released.
     */
    default boolean executeOnWriter(Runnable task) {
        return false;
    }

    /**
     * Writes what was sent so far now, when called on the thread that writes this transport's bytes and the transport
     * would otherwise write it once that thread's current task ends. The engine calls it after a message that should
     * leave before it goes on working on that thread: the request for the next catch-up page, asked for before the
     * page at hand is played, so that the peer reads it meanwhile. The default does nothing (the transport writes as
     * it sends).
     */
    default void writeNow() {}

    /**
     * Whether this transport hands received data to the engine on a thread of its own (a Netty channel's event loop),
     * never on a thread that is sending on this or another connection. Then the engine may play a catch-up page on
     * another thread while this one reads the next page, and have this one wait for it. The default returns {@code
     * false}: everything received is handled on the thread that delivers it (in-process connections deliver on the
     * sending thread).
     */
    default boolean readsOnOwnThread() {
        return false;
    }

    /** Closes the transport. Called once when the session disconnects; must not throw. */
    void close();
}
