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
            last.answerDue = 0;   // asked again for this relay: see answerDue
            return last;
        }
        EncodedScribe made = new EncodedScribe(scribe);
        LAST.set(made);
        return made;
    }

    /** The scribe this encodes. */
    Scribe scribe() {
        return scribe;
    }

    // Its position in this peer's log, parsed once: Long.MIN_VALUE until asked.
    private long position = Long.MIN_VALUE;

    /** The scribe's position in this peer's log (see {@link Acknowledged#parse}). */
    long position() {
        if (position == Long.MIN_VALUE) {
            position = Acknowledged.parse(scribe.id());
        }
        return position;
    }

    // When a push of it is to be answered (System.nanoTime() terms): 0 until asked.
    private long answerDue;

    /**
     * When a push of this scribe is to be answered: {@code timeout} after the first session it was pushed to since it
     * was last obtained from {@link #of}, so that the clock is read once for every session of one relay.
     */
    long answerDue(java.time.Duration timeout) {
        if (answerDue == 0) {
            answerDue = (System.nanoTime() + timeout.toNanos()) | 1;
        }
        return answerDue;
    }

    /** The scribe as UTF-8 JSON. */
    byte[] bytes() {
        if (bytes == null) {
            bytes = text != null ? text.getBytes(StandardCharsets.UTF_8) : Json.scribeBytes(scribe);
        }
        return bytes;
    }

    // An add_scribe without a request id, the same for every session that acknowledges cumulatively: its UTF-8
    // JSON, its text, and that JSON framed with the prefix size it was last framed with.
    private byte[] push;
    private String pushText;
    private byte[] pushFrame;
    private int pushFramePrefix;

    /** {@code {"type":"add_scribe","scribe":...}} as UTF-8 JSON, made once. */
    byte[] push() {
        if (push == null) {
            byte[] head = "{\"type\":\"add_scribe\",\"scribe\":".getBytes(StandardCharsets.US_ASCII);
            byte[] body = bytes();
            push = java.util.Arrays.copyOf(head, head.length + body.length + 1);
            System.arraycopy(body, 0, push, head.length, body.length);
            push[push.length - 1] = '}';
        }
        return push;
    }

    /** {@link #push()} as text, made once. */
    String pushText() {
        if (pushText == null) {
            pushText = new String(push(), StandardCharsets.UTF_8);
        }
        return pushText;
    }

    /** {@link #push()} framed for {@code wire}, made once per prefix size; the array is shared, never changed. */
    byte[] pushFrame(Wire wire) {
        int prefix = wire.framing().prefixBytes();
        if (pushFrame == null || pushFramePrefix != prefix) {
            pushFrame = wire.frame(push());
            pushFramePrefix = prefix;
        }
        return pushFrame;
    }

    // The queue entries of a push without request id (see Outbox#pushShared), the same for every session of a kind.
    private Outbox.SharedPush sharedText;
    private Outbox.SharedPush sharedFrame;

    /** The queue entry of {@link #push()} for message-oriented connections, made once. */
    Outbox.SharedPush sharedText() {
        if (sharedText == null) {
            sharedText = new Outbox.SharedPush(new Outbox.SharedText(pushText(), push()), bytes());
        }
        return sharedText;
    }

    /** The queue entry of {@link #push()} framed for {@code wire}, made once per prefix size. */
    Outbox.SharedPush sharedFrame(Wire wire) {
        byte[] frame = pushFrame(wire);
        if (sharedFrame == null || sharedFrame.message() != frame) {
            sharedFrame = new Outbox.SharedPush(frame, bytes());
        }
        return sharedFrame;
    }

    /** The scribe as JSON text. */
    String text() {
        if (text == null) {
            text = bytes != null ? new String(bytes, StandardCharsets.UTF_8) : Json.scribeText(scribe);
        }
        return text;
    }
}
