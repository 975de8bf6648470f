package io.scribe.core;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One session's {@link ConnectionStatus} and its listeners. OFFLINE is final: a session does not reopen. */
final class StatusBoard {

    private static final Logger log = LoggerFactory.getLogger(StatusBoard.class);

    private final String remote;
    private final ConnectionStatus.Listener scriberListener;
    private final List<ConnectionStatus.Listener> listeners = new CopyOnWriteArrayList<>();
    // Guarded by this.
    private ConnectionStatus current;

    StatusBoard(String remote, ConnectionStatus.Listener scriberListener) {
        this.remote = remote;
        this.scriberListener = scriberListener;
        this.current = new ConnectionStatus(ConnectionStatus.State.CONNECTING, remote, null);
    }

    synchronized ConnectionStatus current() {
        return current;
    }

    void listen(ConnectionStatus.Listener listener) {
        listeners.add(listener);
    }

    /** Moves to {@code state}; nothing happens if the session is in it already or is offline. */
    // Listeners are told under this board's monitor, so that they see one session's changes in order.
    synchronized void set(ConnectionStatus.State state, Throwable cause) {
        if (current.state() == state || current.state() == ConnectionStatus.State.OFFLINE) {
            return;
        }
        ConnectionStatus next =
                new ConnectionStatus(state, remote, state == ConnectionStatus.State.OFFLINE ? cause : null);
        current = next;
        tell(scriberListener, next);
        for (ConnectionStatus.Listener l : listeners) {
            tell(l, next);
        }
    }

    static void tell(ConnectionStatus.Listener listener, ConnectionStatus status) {
        if (listener == null) {
            return;
        }
        try {
            listener.onStatus(status);
        } catch (RuntimeException e) {
            log.warn("status listener failed on {}", status, e);
        }
    }
}
