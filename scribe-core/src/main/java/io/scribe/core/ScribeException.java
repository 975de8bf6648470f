package io.scribe.core;

/**
 * The one unchecked failure of Scribe. {@link #code()} uses the protocol's error codes, so an exception raised while
 * handling a peer's message becomes that peer's {@code error} answer unchanged.
 */
public class ScribeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Malformed message or scribe. */
    public static final int BAD_REQUEST = 400;
    /** The peer has not authenticated. */
    public static final int UNAUTHENTICATED = 401;
    /** Not authorised, or the class is not registered. */
    public static final int FORBIDDEN = 403;
    /** Unknown class (rpc) or unknown object. */
    public static final int NOT_FOUND = 404;
    /** The rpc method is not exposed. */
    public static final int NOT_ALLOWED = 405;
    /** The request timed out or its session closed before the answer came. */
    public static final int TIMEOUT = 408;
    /** The client already has an open session (see {@code Scriber.Builder.sessionTakeover}). */
    public static final int CONFLICT = 409;
    /** The frame or message is larger than the session's maximum. */
    public static final int TOO_LARGE = 413;
    /** The session sent more requests than its rate allows (see {@code Scriber.Builder.requestRate}). */
    public static final int TOO_MANY_REQUESTS = 429;
    /** Anything else. */
    public static final int INTERNAL = 500;

    private final int code;

    public ScribeException(int code, String message) {
        super(message);
        this.code = code;
    }

    public ScribeException(int code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The protocol error code (400, 401, 403, 404, 405, 408, 409, 413, 429 or 500; a remote peer may send others). */
    public int code() {
        return code;
    }
}
