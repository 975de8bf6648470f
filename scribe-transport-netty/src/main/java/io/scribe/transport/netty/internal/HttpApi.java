package io.scribe.transport.netty.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.scribe.core.Scriber;
import io.scribe.core.ScribeException;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import io.scribe.core.spi.Connection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP sync API, a handler in front of the WebSocket upgrade on the WebSocket port: {@code POST /sync/pull},
 * {@code POST /sync/push}, {@code GET /sync/health} (see {@code docs/PROTOCOL.md}); every other request passes on.
 *
 * <p>Each pull or push is served by a session opened for that one exchange ({@code Client.exchange}): the request's
 * authentication goes through the Scriber's authenticator, a pull is the session protocol's {@code sync} and each
 * pushed scribe an {@code add_scribe}, so the origin check, admission, the classes' access rules and the client's
 * cursor are the engine's, not repeated here. Shared by every channel of a server; thread-safe.
 */
@ChannelHandler.Sharable
public final class HttpApi extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The paths this handler answers. */
    public static final String PULL = "/sync/pull";
    public static final String PUSH = "/sync/push";
    public static final String HEALTH = "/sync/health";
    private static final int MAX_ID_CHARS = 256;

    private final Scriber scriber;
    private final Wire wire;
    private final int maxEntries;
    private final int maxPushScribes;
    private final long timeoutMillis;
    private final String version;
    private final int protocolVersion;
    private final long started = System.nanoTime();
    private final ReplayCache replays;
    private final LongSupplier sessions;
    private volatile double ratePerSecond = 20;
    private volatile int rateBurst = 40;
    // Each client's request budget, for the most recent 10,000 clients. Guarded by itself.
    private final Map<String, io.scribe.core.internal.RequestRate> rates =
            new java.util.LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, io.scribe.core.internal.RequestRate> eldest) {
                    return size() > 10_000;
                }
            };

    /**
     * @param wire the wire of the exchange sessions: its maximum frame size bounds a pulled page and a pushed scribe
     * @param sessions the number of sessions open on the server, for the health answer
     */
    public HttpApi(Scriber scriber, Wire wire, int maxEntries, int maxPushScribes, int replayEntries,
            Duration replayTtl, Duration timeout, String version, int protocolVersion, LongSupplier sessions) {
        this.scriber = scriber;
        this.wire = wire.isSyncro() ? Wire.scribe().withMaxFrameBytes(wire.maxFrameBytes()) : wire;
        this.maxEntries = maxEntries;
        this.maxPushScribes = maxPushScribes;
        this.timeoutMillis = timeout.toMillis();
        this.version = version;
        this.protocolVersion = protocolVersion;
        this.replays = new ReplayCache(replayEntries, replayTtl.toNanos());
        this.sessions = sessions;
    }

    /** Bounds each client's pulls and pushes: {@code perSecond} on average, {@code burst} at once. */
    public HttpApi rate(double perSecond, int burst) {
        this.ratePerSecond = perSecond;
        this.rateBurst = burst;
        return this;
    }

    private void checkRate(String client) {
        io.scribe.core.internal.RequestRate rate;
        synchronized (rates) {
            rate = rates.computeIfAbsent(client,
                    k -> new io.scribe.core.internal.RequestRate(ratePerSecond, rateBurst, System::nanoTime));
        }
        if (!rate.tryAcquire()) {
            throw new ScribeException(ScribeException.TOO_MANY_REQUESTS, "client " + client + " is over "
                    + ratePerSecond + " requests a second (burst " + rateBurst + "); try again later");
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ctx.fireChannelRead(msg);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!path.equals(PULL) && !path.equals(PUSH) && !path.equals(HEALTH)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            serve(ctx, request, path);
        } catch (ScribeException e) {
            fail(ctx, e);
        } catch (RuntimeException e) {
            log.warn("{}: {} {} failed", ctx.channel().remoteAddress(), request.method(), path, e);
            fail(ctx, new ScribeException(ScribeException.INTERNAL, "internal error: " + e));
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest request, String path) {
        if (path.equals(HEALTH)) {
            if (!request.method().equals(HttpMethod.GET)) {
                throw new ScribeException(ScribeException.NOT_ALLOWED, "GET " + HEALTH + " only");
            }
            ObjectNode health = MAPPER.createObjectNode()
                    .put("status", "ok")
                    .put("server", scriber.id())
                    .put("version", version)
                    .put("protocol", protocolVersion)
                    .put("uptime_ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started))
                    .put("sessions", sessions.getAsLong());
            write(ctx, HttpResponseStatus.OK, bytes(health), false);
            return;
        }
        if (!request.method().equals(HttpMethod.POST)) {
            throw new ScribeException(ScribeException.NOT_ALLOWED, "POST " + path + " only");
        }
        JsonNode body;
        try (ByteBufInputStream in = new ByteBufInputStream(request.content())) {
            body = MAPPER.readTree((java.io.InputStream) in);
        } catch (Exception e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "the body is not JSON");
        }
        if (body == null || !body.isObject()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "the body must be a JSON object");
        }
        String clientId = text(body, "client", true);
        if (clientId.equals(scriber.id())) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "client " + clientId + " is this server");
        }
        String bearer = bearer(request);
        Exchange exchange = new Exchange();
        Session session = scriber.client(clientId).exchange(exchange, wire);
        String operation = path.equals(PULL) ? "read" : "write";
        CompletableFuture<byte[]> answer = authenticate(session, exchange, body, bearer, operation)
                .thenCompose(v -> {
                    checkRate(clientId);
                    return path.equals(PULL) ? pull(session, exchange, body) : push(session, exchange, body);
                })
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS);
        answer.whenComplete((bytes, failure) -> {
            session.disconnect();
            if (failure == null) {
                write(ctx, HttpResponseStatus.OK, bytes, exchange.replayed);
            } else {
                fail(ctx, cause(failure));
            }
        });
    }

    private CompletableFuture<Void> authenticate(Session session, Exchange exchange, JsonNode body, String bearer,
            String operation) {
        if (!scriber.requiresAuthentication()) {
            return CompletableFuture.completedFuture(null);
        }
        JsonNode given = body.get("auth");
        ObjectNode auth;
        if (given != null && given.isObject()) {
            auth = given.deepCopy();
        } else if (bearer != null) {
            auth = MAPPER.createObjectNode().put(io.scribe.transport.netty.JwtAuthenticator.TOKEN_FIELD, bearer);
        } else {
            throw new ScribeException(ScribeException.UNAUTHENTICATED,
                    "authentication required: send Authorization: Bearer <token>, or the \"auth\" message");
        }
        auth.put("type", scriber.authenticationType().orElseThrow());
        auth.put("id", "auth");
        // Set here, whatever the request says: the authenticator may allow one operation and not the other.
        auth.put(io.scribe.transport.netty.JwtAuthenticator.OPERATION_FIELD, operation);
        return exchange.ask(session, auth).thenApply(r -> null);
    }

    /** How the cursor of a snapshot page starts (see PROTOCOL.md, "Compaction and snapshots"). */
    private static final String SNAPSHOT_CURSOR = "snapshot:";

    private CompletableFuture<byte[]> pull(Session session, Exchange exchange, JsonNode body) {
        String from;
        int limit = maxEntries;
        JsonNode token = body.get("token");
        JsonNode since = body.get("since");
        if (token != null && !token.isNull()) {
            if (since != null && !since.isNull()) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "send since or token, not both");
            }
            ObjectNode decoded = decodeToken(token);
            if (!session.client().id().equals(decoded.path("client").asText())) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "the continuation token is another client's");
            }
            from = decoded.path("after").isNull() ? null : decoded.path("after").asText();
            limit = Math.min(limit, Math.max(1, decoded.path("max").asInt(limit)));
        } else if (since == null || since.isNull() || since.asText().isEmpty()) {
            from = null;
        } else if (since.isTextual() && since.asText().startsWith(SNAPSHOT_CURSOR)) {
            // A position within a snapshot this server answered (the cursor of a snapshot page): the engine reads it,
            // and takes one it cannot read as no position (the snapshot starts again), as over a socket.
            from = since.asText();
        } else if (since.isTextual() || since.isIntegralNumber()) {
            from = since.asText();
            long position;
            try {
                position = Long.parseLong(from);
            } catch (NumberFormatException e) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "since must be a scribe id of this server");
            }
            long last = scriber.lastScribeId();
            if (position < 0 || position > last) {
                throw new ScribeException(ScribeException.CONFLICT, "since " + position + " is past the end of this"
                        + " server's log (" + last + "): its log is not the one the cursor was taken from; pull"
                        + " from the start");
            }
            checkSameLog(body, position);
        } else {
            throw new ScribeException(ScribeException.BAD_REQUEST, "since must be a scribe id of this server");
        }
        JsonNode max = body.get("max_entries");
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || max.asInt() < 1) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "max_entries must be a positive integer");
            }
            limit = Math.min(max.asInt(), maxEntries);
        }
        ObjectNode sync = MAPPER.createObjectNode().put("type", "sync").put("id", "pull");
        sync.put("from", from);
        sync.put("limit", limit);
        for (String flag : new String[] {"own", "snapshot"}) {
            JsonNode value = body.get(flag);
            if (value != null && !value.isNull()) {
                if (!value.isBoolean()) {
                    throw new ScribeException(ScribeException.BAD_REQUEST, flag + " must be true or false");
                }
                sync.put(flag, value.asBoolean());
            }
        }
        int pageLimit = limit;
        return exchange.ask(session, sync).thenApply(response -> {
            JsonNode cursorNode = response.get("cursor");
            String cursor = cursorNode == null || cursorNode.isNull() ? from : cursorNode.asText();
            boolean more = response.path("more").asBoolean(false);
            ObjectNode answer = MAPPER.createObjectNode();
            answer.set("scribes", response.path("result"));
            answer.put("has_more", more);
            answer.put("cursor", cursor);
            answer.put("log", scriber.logIdentity());
            JsonNode at = response.get("at");
            if (at != null && cursorNode != null && !cursorNode.isNull()) {
                answer.set("at", at);
            }
            JsonNode snapshot = response.get("snapshot");
            if (snapshot != null && snapshot.isObject()) {
                // A page of a snapshot (the log read from its start, or from behind what was compacted): the client
                // forgets, at its end, what it held that the snapshot did not carry, as over a socket.
                answer.set("snapshot", snapshot);
            }
            answer.put("next_token", encodeToken(session.client().id(), cursor, pageLimit));
            answer.put("client_cursor", session.client().cursor().orElse(null));
            return bytes(answer);
        });
    }

    /**
     * Refuses with 409 a {@code since} that is a position in another log: one named by {@code log} that is not this
     * server's, or one whose scribe the pull's {@code at} ({@code {"clock", "origin"}}, what the client read there)
     * says is another than the one this log holds there (a store restored from an earlier copy). The client then
     * pulls from the start, as for a position past the end. Malformed values are refused with 400.
     */
    private void checkSameLog(JsonNode body, long position) {
        JsonNode log = body.get("log");
        if (log != null && !log.isNull()) {
            if (!log.isTextual() || log.asText().isEmpty() || log.asText().length() > 128) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "log must be the identity a pull answered");
            }
            if (!log.asText().equals(scriber.logIdentity())) {
                throw new ScribeException(ScribeException.CONFLICT, "since " + position + " is a position in another"
                        + " log than this server's (its store was lost or replaced since the cursor was taken); pull"
                        + " from the start");
            }
        }
        io.scribe.core.internal.LogPosition at = position == 0 ? null
                : io.scribe.core.internal.LogPosition.read(body.get("at"), Long.toString(position), "");
        if (at != null && at.heldElsewhere(scriber.store())) {
            throw new ScribeException(ScribeException.CONFLICT, "since " + position + " names another scribe in this"
                    + " server's log than the one the cursor was taken at (its store was restored from an earlier"
                    + " copy); pull from the start");
        }
    }

    private CompletableFuture<byte[]> push(Session session, Exchange exchange, JsonNode body) {
        String messageId = text(body, "message_id", true);
        JsonNode scribes = body.get("scribes");
        if (scribes == null || !scribes.isArray()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "scribes must be an array");
        }
        if (scribes.size() > maxPushScribes) {
            throw new ScribeException(ScribeException.TOO_LARGE, "a push carries " + maxPushScribes
                    + " scribes at most, got " + scribes.size());
        }
        String key = session.client().id() + "\n" + messageId;
        ReplayCache.Entry entry = replays.lookupOrStart(key, fingerprint(scribes),
                () -> play(session, exchange, messageId, scribes));
        if (entry.created() >= 0) {
            if (!entry.fingerprint().equals(fingerprint(scribes))) {
                throw new ScribeException(ScribeException.CONFLICT, "message_id " + messageId
                        + " was used for another batch; a new batch needs a new message_id");
            }
            exchange.replayed = true;
        }
        return entry.answer();
    }

    private CompletableFuture<byte[]> play(Session session, Exchange exchange, String messageId, JsonNode scribes) {
        List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
        List<String> messages = new ArrayList<>();
        long room = wire.maxFrameBytes() - 512L;
        for (int i = 0; i < scribes.size(); i++) {
            JsonNode scribe = scribes.get(i);
            ObjectNode add = MAPPER.createObjectNode().put("type", "add_scribe").put("id", "s" + i);
            add.set("scribe", scribe);
            if (bytes(scribe).length > room) {
                answers.add(CompletableFuture.completedFuture(MAPPER.createObjectNode().put("type", "error")
                        .put("code", ScribeException.TOO_LARGE).put("message", "scribe exceeds the " + room
                                + " bytes a frame can carry when it is relayed; refused")));
                continue;
            }
            answers.add(exchange.expect(add, messages).handle((r, e) -> {
                if (e == null) {
                    return r;
                }
                ScribeException se = cause(e);
                if (se.code() >= ScribeException.INTERNAL) {
                    throw new CompletionException(se);
                }
                return MAPPER.createObjectNode().put("type", "error").put("code", se.code())
                        .put("message", se.getMessage());
            }));
        }
        // One batch: the push's scribes are played together and stored with one commit.
        session.receiveMessages(messages);
        return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
            ObjectNode answer = MAPPER.createObjectNode().put("message_id", messageId);
            ArrayNode results = answer.putArray("results");
            int accepted = 0;
            for (int i = 0; i < answers.size(); i++) {
                JsonNode r = answers.get(i).join();
                ObjectNode result = results.addObject();
                JsonNode id = scribes.get(i).get("id");
                result.set("id", id == null ? MAPPER.nullNode() : id);
                if ("error".equals(r.path("type").asText())) {
                    result.put("ok", false).put("code", r.path("code").asInt()).put("message",
                            r.path("message").asText());
                } else {
                    result.put("ok", true);
                    accepted++;
                }
            }
            answer.put("accepted", accepted);
            answer.put("client_cursor", session.client().cursor().orElse(null));
            return bytes(answer);
        });
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** The connection of an exchange session: completes the request waiting for each answer by its id. */
    private static final class Exchange implements Connection {
        private final Map<String, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
        private volatile boolean replayed;

        /** Feeds {@code message} (which has an id) to the session; completes with the answer, or fails with the error. */
        CompletableFuture<JsonNode> ask(Session session, ObjectNode message) {
            List<String> one = new ArrayList<>(1);
            CompletableFuture<JsonNode> answer = expect(message, one);
            session.receiveMessage(one.get(0));
            return answer;
        }

        /**
         * Waits for the answer to {@code message} (which has an id), which the caller feeds to the session with
         * the others it adds {@code message}'s text to.
         */
        CompletableFuture<JsonNode> expect(ObjectNode message, List<String> texts) {
            CompletableFuture<JsonNode> answer = new CompletableFuture<>();
            waiting.put(message.get("id").asText(), answer);
            texts.add(message.toString());
            return answer;
        }

        @Override
        public boolean messageOriented() {
            return true;
        }

        @Override
        public void send(byte[] frame) {
            sendText(new String(frame, StandardCharsets.UTF_8));
        }

        @Override
        public void sendText(String text) {
            JsonNode message;
            try {
                message = MAPPER.readTree(text);
            } catch (Exception e) {
                return;
            }
            JsonNode id = message.get("id");
            CompletableFuture<JsonNode> answer = id == null || id.isNull() ? null : waiting.remove(id.asText());
            if (answer == null) {
                if ("error".equals(message.path("type").asText())) {
                    // An error without an id refuses the whole request (a message the session could not read).
                    ScribeException e = new ScribeException(message.path("code").asInt(500),
                            message.path("message").asText());
                    waiting.values().forEach(f -> f.completeExceptionally(e));
                }
                return;
            }
            if ("error".equals(message.path("type").asText())) {
                answer.completeExceptionally(new ScribeException(message.path("code").asInt(500),
                        message.path("message").asText()));
            } else {
                answer.complete(message);
            }
        }

        @Override
        public void close() {
            ScribeException closed = new ScribeException(ScribeException.INTERNAL, "session closed");
            waiting.values().forEach(f -> f.completeExceptionally(closed));
        }
    }

    private static ScribeException cause(Throwable failure) {
        Throwable t = failure;
        while (t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) {
            if (t.getCause() == null) {
                break;
            }
            t = t.getCause();
        }
        if (t instanceof ScribeException se) {
            return se;
        }
        if (t instanceof TimeoutException) {
            return new ScribeException(503, "not answered in time; try again");
        }
        return new ScribeException(ScribeException.INTERNAL, "internal error: " + t);
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode node = body.get(field);
        if (node == null || node.isNull()) {
            if (required) {
                throw new ScribeException(ScribeException.BAD_REQUEST, field + " is required");
            }
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank() || node.asText().length() > MAX_ID_CHARS) {
            throw new ScribeException(ScribeException.BAD_REQUEST,
                    field + " must be a string of 1 to " + MAX_ID_CHARS + " characters");
        }
        return node.asText();
    }

    private static String bearer(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null) {
            return null;
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        throw new ScribeException(ScribeException.UNAUTHENTICATED, "the Authorization header must be a Bearer token");
    }

    /**
     * A continuation token: the position after which the next pull reads, the client it is for and the page size,
     * base64url JSON. Not a secret and not a capability: it says nothing {@code since} could not.
     */
    static String encodeToken(String client, String after, int max) {
        ObjectNode token = MAPPER.createObjectNode().put("v", 1).put("client", client).put("after", after)
                .put("max", max);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(token));
    }

    private static ObjectNode decodeToken(JsonNode token) {
        try {
            JsonNode node = MAPPER.readTree(Base64.getUrlDecoder().decode(token.asText()));
            if (node instanceof ObjectNode o && o.path("v").asInt() == 1 && o.has("client")) {
                return o;
            }
        } catch (Exception e) {
            // answered below
        }
        throw new ScribeException(ScribeException.BAD_REQUEST, "the continuation token is not one this server gave");
    }

    private static String fingerprint(JsonNode scribes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes(scribes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void fail(ChannelHandlerContext ctx, ScribeException e) {
        int code = e.code() >= 400 && e.code() <= 599 ? e.code() : 500;
        ObjectNode error = MAPPER.createObjectNode();
        error.putObject("error").put("code", code).put("message", e.getMessage());
        write(ctx, HttpResponseStatus.valueOf(code), bytes(error), false);
    }

    private static void write(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, boolean replayed) {
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        if (replayed) {
            response.headers().set("Scribe-Replayed", "true");
        }
        if (status.code() == 429) {
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
        }
        if (status.code() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer");
        }
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
}
