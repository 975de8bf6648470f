package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.AckMessage;
import io.scribe.core.internal.FrameDecoder;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.SyncPage;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A session's inbound side: cuts the bytes of a length-prefixed stream into frames (or takes whole messages from a
 * message transport), parses each message and hands it to its handler in order: pushed scribes to the {@link Intake},
 * requests and answers to {@link Requests}. The {@code add_scribe} messages of one read are queued and played together
 * with one store commit at the end of the read, or before the next message of another type, so that answers and
 * effects keep the order of the messages. A message that cannot be read is answered with its error and the session
 * goes on. Inbound data comes from one thread at a time (transports do); the decoder guards the rest.
 */
final class Inbound {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final Session session;
    private final Scriber scriber;
    private final Client client;
    private final Wire wire;
    private final FrameDecoder decoder;
    private final FrameDecoder.Sink sink = new FrameDecoder.Sink() {
        @Override
        public void frame(byte[] buf, int offset, int length) {
            if (!session.isOpen()) {
                return;
            }
            inboundBytes = length;
            if (ack(AckMessage.position(buf, offset, length))) {
                return;
            }
            if (page(SyncPage.read(buf, offset, length))) {
                return;
            }
            JsonNode message;
            try {
                message = Json.parse(buf, offset, length);
            } catch (ScribeException e) {
                if (wire.isSyncro()) {
                    // Syncro's 2-byte prefix wraps past 65,535 bytes: after a frame that is not JSON the stream is
                    // out of step, and every later frame would be misread. Closing makes the peer reconnect and
                    // catch up from its cursor.
                    log.warn("session {}: closing, a frame of {} bytes is not JSON ({}): the stream is out of step"
                            + " (a Syncro peer's message over 65,535 bytes wraps its length prefix)",
                            client.id(), length, e.getMessage());
                    scriber.report(new ScribeException(ScribeException.BAD_REQUEST, "from " + client.id()
                            + ": frame of " + length + " bytes is not JSON; session closed, out of step", e));
                    scriber.flush();
                    session.disconnect();
                    return;
                }
                playQueued();
                session.answers.rejected(null, e);
                return;
            }
            dispatch(message);
        }

        @Override
        public void tooLarge(long length) {
            pages.await();
            playQueued();
            session.answers.rejected(null, new ScribeException(ScribeException.TOO_LARGE,
                    "frame of " + length + " bytes exceeds the maximum of " + wire.maxFrameBytes() + "; skipped"));
        }
    };

    // The size of the message being handled (an upper bound); inbound data comes from one thread at a time.
    private long inboundBytes;
    // Inside a read: pushed scribes are queued and played at its end (see playQueued). Guarded by the decoder.
    private boolean batching;
    private boolean queued;
    // Catch-up pages played on a thread of their own while this one reads the next (see PagePlayer).
    private final PagePlayer pages;

    Inbound(Session session) {
        this.session = session;
        this.scriber = session.scriber();
        this.client = session.client();
        this.wire = session.wire();
        this.decoder = new FrameDecoder(wire.framing().prefixBytes(), wire.maxFrameBytes());
        this.pages = new PagePlayer(client.id());
    }

    /** The size of the message being handled, an upper bound in bytes. */
    long inboundBytes() {
        return inboundBytes;
    }

    /**
     * Whether a pushed scribe just queued is played at the end of the read (true) or must be played now (false).
     * Called while handling the message that carried it.
     */
    boolean holdForBatch() {
        if (batching) {
            queued = true;
            return true;
        }
        return false;
    }

    /** The bytes of an incomplete frame left in the decoder. */
    int buffered() {
        return decoder.buffered();
    }

    /** Feeds {@code data[offset, offset+length)}; see {@link Session#receiveData(byte[])}. */
    void receiveData(byte[] data, int offset, int length) {
        if (!session.isOpen()) {
            log.debug("session {}: {} bytes after disconnect ignored", client.id(), length);
            return;
        }
        scriber.metrics.bytesIn(client.id(), length);
        synchronized (decoder) {
            // The add_scribe frames of one read are played together, with one store commit (see playQueued).
            batching = true;
            try {
                decoder.feed(data, offset, length, sink);
            } finally {
                batching = false;
                playQueued();
            }
        }
        scriber.flush();
    }

    /** Plays the pushed scribes this session queued during a read (with whatever other sessions queued). */
    private void playQueued() {
        if (!queued) {
            return;
        }
        queued = false;
        scriber.player.playIncomingLocked();
    }

    /**
     * Handles complete messages that arrived together (the WebSocket frames of one read, the scribes of one HTTP
     * push), in order; like the frames of one read of a stream (see {@link #receiveData(byte[], int, int)}), their
     * {@code add_scribe} messages are played together, with one store commit, before any message of another type
     * that follows them.
     */
    void receiveMessages(List<String> jsons) {
        synchronized (decoder) {
            batching = true;
            try {
                for (String json : jsons) {
                    handleMessage(json);
                }
            } finally {
                batching = false;
                playQueued();
            }
        }
        scriber.flush();
    }

    void handleMessage(String json) {
        if (!session.isOpen()) {
            log.debug("session {}: message after disconnect ignored", client.id());
            return;
        }
        scriber.metrics.bytesIn(client.id(), json.length());
        JsonNode message;
        try {
            if (Json.utf8Over(json, wire.maxFrameBytes())) {
                throw new ScribeException(ScribeException.TOO_LARGE,
                        "message exceeds the maximum of " + wire.maxFrameBytes() + " bytes");
            }
            if (ack(AckMessage.position(json))) {
                return;
            }
            SyncPage page = SyncPage.read(json);
            if (page == null) {
                pages.await();
            } else {
                inboundBytes = json.length() * 3L;
                if (page(page)) {
                    return;
                }
            }
            message = Json.parse(json);
        } catch (ScribeException e) {
            // Answered after the pushed scribes before it, which are played first.
            pages.await();
            playQueued();
            session.answers.rejected(null, e);
            return;
        }
        // An upper bound of its UTF-8 size, enough to skip measuring the scribe in a small message.
        inboundBytes = json.length() * 3L;
        dispatch(message);
    }

    /**
     * Handles an {@code ack} recognised without parsing (see {@link AckMessage}) as {@link #dispatch} would; false
     * when {@code position} is not one (-1) or the session must first authenticate, so that the message is parsed.
     */
    private boolean ack(long position) {
        if (position < 0 || session.awaitsAuthentication()) {
            return false;
        }
        pages.await();
        playQueued();
        try {
            session.intake.ack(position);
        } catch (ScribeException e) {
            session.answers.rejected(null, e);
        }
        return true;
    }

    /**
     * Hands a page of the peer's log read from its frame (see {@link SyncPage#read}) to the catch-up that asked for it,
     * as {@link #dispatch} would hand the message parsed as a tree; false when {@code page} is null, the session must
     * first authenticate, or no page request waits for its id, so that the message is parsed and dispatched.
     */
    private boolean page(SyncPage page) {
        if (page == null || session.awaitsAuthentication()) {
            pages.await();
            return false;
        }
        JsonNode id = page.message().get("id");
        if (id == null) {
            pages.await();
            return false;
        }
        // A page after which more follow is played on the page player's thread, while this one reads the next (the
        // catch-up asks for it before playing this one); any other message waits until the pages handed over are
        // played, so that messages keep their order.
        boolean ahead = session.syncro == null && session.readsOnOwnThread()
                && page.message().path("more").asBoolean(false);
        if (!ahead) {
            pages.await();
        }
        // A response is answered and played in order: the pushed scribes before it first.
        playQueued();
        try {
            if (session.requests.page(id, page, ahead ? pages : null)) {
                return true;
            }
            pages.await();
            return false;
        } catch (ScribeException e) {
            session.answers.rejected(id, e);
        } catch (RuntimeException e) {
            log.error("session {}: failed handling {}", client.id(), page.message(), e);
            session.answers.rejected(id, new ScribeException(ScribeException.INTERNAL, "internal error: " + e, e));
        }
        return true;
    }

    private void dispatch(JsonNode message) {
        JsonNode id = message.isObject() ? message.get("id") : null;
        try {
            if (!message.isObject() || !message.path("type").isTextual()) {
                playQueued();
            }
            if (!message.isObject()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "message must be a JSON object");
            }
            JsonNode typeNode = message.get("type");
            if (typeNode == null || !typeNode.isTextual()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "message has no type");
            }
            String type = typeNode.asText();
            if (!type.equals("add_scribe") && !type.equals("add_scribes")) {
                // The pushed scribes before this message are played and answered first, whatever its answer.
                playQueued();
            }
            if (session.awaitsAuthentication()) {
                session.requests.gate(type, id, message);
                return;
            }
            if ((type.equals("sync") || type.equals("rpc")) && !session.rate.tryAcquire()) {
                throw new ScribeException(ScribeException.TOO_MANY_REQUESTS, type + " requests over the rate of "
                        + scriber.requestRate + " a second (burst " + scriber.requestBurst + "); try again later");
            }
            switch (type) {
                case "sync" -> session.requests.sync(id, message);
                case "add_scribe" -> session.intake.addScribe(id, message);
                case "add_scribes" -> session.intake.addScribes(id, message);
                case "rpc" -> session.requests.rpc(id, message);
                case "response" -> session.requests.response(id, message);
                case "ack" -> session.intake.ack(message);
                case "error" -> session.requests.error(id, message);
                case "noop" -> session.requests.noop(id, message);
                case Refusals.TYPE -> session.intake.refused(id, message);
                default -> session.requests.extension(type, id, message);
            }
        } catch (ScribeException e) {
            refuse(id, message, e);
        } catch (RuntimeException e) {
            log.error("session {}: failed handling {}", client.id(), message, e);
            refuse(id, message, new ScribeException(ScribeException.INTERNAL, "internal error: " + e, e));
        }
    }

    /**
     * Answers a message that failed: by its request id, or, for a push without one whose scribe id can be read (a
     * scribe that is not one, say), with an error naming that scribe, so that the pusher does not take the next
     * ack as passing it.
     */
    private void refuse(JsonNode id, JsonNode message, ScribeException e) {
        JsonNode scribeId = message.path("scribe").path("id");
        if ((id == null || id.isNull()) && "add_scribe".equals(message.path("type").asText()) && scribeId.isTextual()
                && !wire.isSyncro()) {
            session.answers.rejectedPush(scribeId.asText(), e);
        } else {
            session.answers.rejected(id, e);
        }
    }
}
