package io.scribe.transport.netty.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.ScribeException;
import io.scribe.core.Wire;
import java.nio.charset.StandardCharsets;

/**
 * The transport's handshake messages. Before any session exists, the connecting side sends {@code
 * {"type":"hello","client":"<its GUID>","protocol":1,"min_protocol":1}} and the accepting side answers with its own
 * hello; a refusal is an {@code error} message with code 400 or 403, after which the connection closes.
 *
 * <p>{@code protocol} is the highest version of Scribe's protocol the peer speaks, {@code min_protocol} the lowest
 * (the same when absent). Each side refuses a hello whose range does not meet its own, with error 400 saying both
 * ranges; the session then speaks the highest version both know. A hello without {@code protocol} is version 1: Scribe
 * peers from before versions were announced (and the JavaScript client) speak exactly that.
 */
public final class Hello {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The version of Scribe's protocol this library speaks (see {@code docs/PROTOCOL.md}). */
    public static final int PROTOCOL_VERSION = 1;
    /** The oldest version of the protocol this library still speaks. */
    public static final int MIN_PROTOCOL_VERSION = 1;
    /** The one frame compression offered over {@code u32} streams. */
    public static final String DEFLATE = "deflate";

    private Hello() {}

    /** The hello of the peer {@code guid}, as JSON text. */
    public static String text(String guid) {
        return text(guid, false);
    }

    /**
     * The hello of the peer {@code guid}; with {@code deflate}, it says {@code "compression":["deflate"]}: an offer
     * from the connecting side, the agreement from the accepting side.
     */
    public static String text(String guid, boolean deflate) {
        ObjectNode hello = MAPPER.createObjectNode().put("type", "hello").put("client", guid)
                .put("protocol", PROTOCOL_VERSION).put("min_protocol", MIN_PROTOCOL_VERSION);
        if (deflate) {
            hello.putArray("compression").add(DEFLATE);
        }
        return hello.toString();
    }

    /** Whether the hello {@code json} offers (or agrees to) {@code deflate} frames. */
    public static boolean deflate(byte[] json) {
        try {
            for (JsonNode codec : MAPPER.readTree(json).path("compression")) {
                if (DEFLATE.equals(codec.asText())) {
                    return true;
                }
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }

    /** Why a channel's handshake failed, set on the channel by the handshake handlers before they close it. */
    public static final io.netty.util.AttributeKey<ScribeException> FAILURE =
            io.netty.util.AttributeKey.valueOf("scribe-handshake-failure");

    /** The HTTP methods a request line can start with, by their first four bytes. */
    private static final java.util.Set<String> HTTP_STARTS =
            java.util.Set.of("GET ", "POST", "PUT ", "HEAD", "OPTI", "DELE", "PATC", "CONN", "TRAC");

    /**
     * What the first four bytes {@code start} of a stream say when they are not a length prefix but HTTP: an HTTP
     * request when {@code accepting} (a WebSocket or HTTP client on a port of length-prefixed frames), an HTTP
     * answer otherwise (a WebSocket or HTTP server); null when they are neither.
     */
    static String http(String start, boolean accepting) {
        if (accepting && HTTP_STARTS.contains(start)) {
            return "an HTTP request on a port that speaks length-prefixed frames, not WebSocket: connect with"
                    + " host:port";
        }
        if (!accepting && start.equals("HTTP")) {
            return "the server answered in HTTP: it serves WebSocket or HTTP on this port, not length-prefixed "
                    + "frames: connect with a ws:// address";
        }
        return null;
    }

    /** An HTTP answer 400 to a request on a port of length-prefixed frames, saying so in its status line. */
    static byte[] httpRefusal() {
        return ("HTTP/1.1 400 Scribe port of length-prefixed frames, not WebSocket\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** An error message with {@code code}, as JSON text. */
    public static String error(int code, String message) {
        return MAPPER.createObjectNode().put("type", "error").put("code", code).put("message", message).toString();
    }

    /** {@code json} as one frame of {@code wire}'s framing. */
    public static byte[] frame(Wire wire, String json) {
        return wire.frame(json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Closes the channel when no handshake finished ({@code done} still false) within {@code timeoutMillis}; returns
     * the timer, which the handshake cancels when it is removed.
     */
    static io.netty.util.concurrent.ScheduledFuture<?> closeIfSilent(io.netty.channel.ChannelHandlerContext ctx,
            long timeoutMillis, java.util.function.BooleanSupplier done, String what) {
        return ctx.executor().schedule(() -> {
            if (!done.getAsBoolean() && ctx.channel().isActive()) {
                org.slf4j.LoggerFactory.getLogger(Hello.class).warn("{}: no {} within {} ms; closing",
                        ctx.channel().remoteAddress(), what, timeoutMillis);
                ctx.close();
            }
        }, timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Reads a hello and returns the GUID it carries.
     *
     * @throws ScribeException with the peer's code if it sent an error, or 400 if this is not a hello
     */
    public static String parse(byte[] json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (Exception e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "hello expected, got unreadable JSON");
        }
        return parse(node);
    }

    /** See {@link #parse(byte[])}. */
    public static String parse(String json) {
        return parse(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String parse(JsonNode node) {
        if (node instanceof ObjectNode o && "error".equals(o.path("type").asText())) {
            throw new ScribeException(o.path("code").asInt(ScribeException.INTERNAL),
                    "peer refused the handshake: " + o.path("message").asText(""));
        }
        JsonNode client = node.path("client");
        if (!"hello".equals(node.path("type").asText()) || !client.isTextual() || client.asText().isBlank()) {
            throw new ScribeException(ScribeException.BAD_REQUEST,
                    "hello expected: {\"type\":\"hello\",\"client\":\"<guid>\"}");
        }
        checkProtocol(node);
        return client.asText();
    }

    /**
     * Refuses a hello whose protocol versions do not meet this library's.
     *
     * @throws ScribeException 400 naming both ranges
     */
    static void checkProtocol(JsonNode hello) {
        JsonNode max = hello.get("protocol");
        JsonNode min = hello.get("min_protocol");
        if ((max != null && !max.isNull() && !max.canConvertToInt())
                || (min != null && !min.isNull() && !min.canConvertToInt())) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "hello: protocol and min_protocol are integers");
        }
        int high = max == null || max.isNull() ? 1 : max.asInt();
        int low = min == null || min.isNull() ? high : min.asInt();
        if (low > high || low < 1) {
            throw new ScribeException(ScribeException.BAD_REQUEST,
                    "hello: protocol versions " + low + ".." + high + " are not a range");
        }
        if (high < MIN_PROTOCOL_VERSION || low > PROTOCOL_VERSION) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "incompatible protocol: the peer speaks versions "
                    + low + ".." + high + ", this peer " + MIN_PROTOCOL_VERSION + ".." + PROTOCOL_VERSION
                    + "; upgrade the older side");
        }
    }
}
