package io.scribe.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.Session;

/**
 * Checks the authentication message a peer sends first, registered with {@code Scriber.Builder.authenticate(type,
 * authenticator)}. Until it succeeds, the session answers every other request with error 401 and ignores the
 * peer's responses; its own catch-up ({@code sync()}) waits for it.
 *
 * <p>Called on the thread that received the message, outside the Scriber's lock.
 */
@FunctionalInterface
public interface Authenticator {

    /**
     * Returns the principal the peer proved to be (a user name, an email), which the session keeps
     * ({@link Session#principal()}).
     *
     * @throws io.scribe.core.ScribeException with code 401 (or another protocol code) to refuse; the session answers
     *     {@code error{id, code, message}} and stays unauthenticated. Any other exception is answered with 500.
     */
    String authenticate(Session session, JsonNode message) throws Exception;
}
