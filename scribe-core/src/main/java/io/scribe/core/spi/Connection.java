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

    /** Whether the transport frames messages itself, so that {@link #sendText} is used and no prefix is added. */
    default boolean messageOriented() {
        return false;
    }

    /** Closes the transport. Called once when the session disconnects; must not throw. */
    void close();
}
