package io.scribe.transport.netty.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.ScribeException;
import io.scribe.core.Wire;
import java.nio.charset.StandardCharsets;

/**
 * The transport's handshake messages. Before any session exists, the connecting side sends {@code
 * {"type":"hello","client":"<its GUID>"}} and the accepting side answers with its own hello; a refusal is an {@code
 * error} message with code 400 or 403, after which the connection closes.
 */
public final class Hello {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The version of Scribe's protocol this library speaks (see {@code docs/PROTOCOL.md}). */
    public static final int PROTOCOL_VERSION = 1;

    private Hello() {}

    /** The hello of the peer {@code guid}, as JSON text. */
    public static String text(String guid) {
        return MAPPER.createObjectNode().put("type", "hello").put("client", guid).toString();
    }

    /** An error message with {@code code}, as JSON text. */
    public static String error(int code, String message) {
        return MAPPER.createObjectNode().put("type", "error").put("code", code).put("message", message).toString();
    }

    /** {@code json} as one frame of {@code wire}'s framing. */
    public static byte[] frame(Wire wire, String json) {
        return wire.frame(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Closes the channel when no handshake finished ({@code done} still false) within {@code timeoutMillis}. */
    static void closeIfSilent(io.netty.channel.ChannelHandlerContext ctx, long timeoutMillis,
            java.util.function.BooleanSupplier done, String what) {
        ctx.executor().schedule(() -> {
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
        return client.asText();
    }
}
