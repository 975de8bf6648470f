package io.scribe.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.Session;

/**
 * Handles one extension message type registered with {@code Scriber.Builder.handle(type, handler)}: presence,
 * authentication, anything an application needs beside the core protocol.
 *
 * <p>Called on the thread that received the message, outside the Scriber's lock. A non-null result is sent as
 * {@code response{id, result}}; a {@link io.scribe.core.ScribeException} becomes {@code error{id, code, message}},
 * any other exception error 500. The session keeps working either way.
 */
@FunctionalInterface
public interface MessageHandler {
    JsonNode handle(Session session, JsonNode message) throws Exception;
}
