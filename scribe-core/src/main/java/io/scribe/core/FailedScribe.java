package io.scribe.core;

/**
 * A scribe a peer sent that this peer could not store (its store refused it, for example a stricter size limit than
 * the sender's) and skipped, so that the scribes after it still arrive. See {@link Scriber#failedScribes()}.
 *
 * @param from the client it came from
 * @param scribeId its id in that client's log
 * @param klass its class
 * @param code the error code of the failure (413 too large, 400 a value the store cannot keep, 500 anything else)
 * @param reason the failure's message
 */
public record FailedScribe(String from, String scribeId, String klass, int code, String reason) {}
