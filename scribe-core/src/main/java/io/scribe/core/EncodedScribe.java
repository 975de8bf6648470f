package io.scribe.core;

import io.scribe.core.internal.Json;
import java.nio.charset.StandardCharsets;

/**
 * A scribe's JSON for {@code add_scribe}, made once however many sessions it is pushed to. The engine relays one
 * scribe to each session in turn on one thread, so the last one encoded on a thread is kept and reused while the same
 * scribe instance is pushed; the bytes (for framed wires) and the text (for message-oriented ones such as WebSocket)
 * are each made at most once.
 */
final class EncodedScribe {

    private static final ThreadLocal<EncodedScribe> LAST = new ThreadLocal<>();

    private final Scribe scribe;
    private byte[] bytes;
    private String text;

    private EncodedScribe(Scribe scribe) {
        this.scribe = scribe;
    }

    /** The encoding of {@code scribe}: the one made last on this thread if it is the same instance, else a new one. */
    static EncodedScribe of(Scribe scribe) {
        EncodedScribe last = LAST.get();
        if (last != null && last.scribe == scribe) {
            return last;
        }
        EncodedScribe made = new EncodedScribe(scribe);
        LAST.set(made);
        return made;
    }

    /** The scribe as UTF-8 JSON. */
    byte[] bytes() {
        if (bytes == null) {
            bytes = text != null ? text.getBytes(StandardCharsets.UTF_8) : Json.bytes(Json.toJson(scribe));
        }
        return bytes;
    }

    /** The scribe as JSON text. */
    String text() {
        if (text == null) {
            text = bytes != null ? new String(bytes, StandardCharsets.UTF_8) : Json.text(Json.toJson(scribe));
        }
        return text;
    }
}
