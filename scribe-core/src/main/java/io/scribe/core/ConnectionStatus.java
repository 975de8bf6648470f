package io.scribe.core;

import java.util.Objects;

/**
 * Where a connection to a remote peer stands, as status listeners see it. A connection goes {@link
 * State#CONNECTING} → {@link State#CATCHING_UP} → {@link State#ONLINE}, and to {@link State#OFFLINE} when it ends
 * or cannot be made; a client that reconnects starts over. Dropped and refused connections are status changes, not
 * errors: the error listener ({@code Scriber.Builder.onError}) does not hear of them.
 *
 * @param state the new state
 * @param remote the GUID of the peer at the other end, or null while it is not known yet (a transport connecting to
 *     a server it has not heard from)
 * @param cause why the connection is {@link State#OFFLINE}: the failure that closed it or kept it from opening, or
 *     null when it was closed on purpose or its end gave no reason; always null in the other states
 */
public record ConnectionStatus(State state, String remote, Throwable cause) {

    /** Checks that {@code state} is given. */
    public ConnectionStatus {
        Objects.requireNonNull(state, "state");
    }

    /** Whether local changes are being pushed to the remote peer as they are made. */
    public boolean isOnline() {
        return state == State.ONLINE;
    }

    /** The states of a connection. */
    public enum State {
        /** Opening the connection, or opened and not yet catching up (handshake, authentication). */
        CONNECTING,
        /** Connected; reading what the remote peer has that this peer has not played yet. */
        CATCHING_UP,
        /** Caught up: changes flow both ways as they are made. */
        ONLINE,
        /** Not connected; see {@link ConnectionStatus#cause()}. */
        OFFLINE
    }

    /**
     * Observes status changes. Called on the thread that saw the change (an I/O thread): keep it short and do not
     * block. An exception is logged and otherwise ignored.
     */
    @FunctionalInterface
    public interface Listener {
        void onStatus(ConnectionStatus status);
    }
}
