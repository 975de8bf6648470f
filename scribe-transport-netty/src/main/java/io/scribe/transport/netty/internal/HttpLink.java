package io.scribe.transport.netty.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scriber;
import io.scribe.core.ScribeException;
import io.scribe.core.Session;
import io.scribe.core.spi.Connection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One "connection" of a client to a server's HTTP sync API: a local {@link Session} to the server whose messages are
 * carried by HTTP requests, so the client's engine works as over a socket. The session's {@code sync} requests
 * become {@code POST /sync/pull} (its catch-up plays and stores the pages with the cursor); its {@code add_scribe}
 * pushes are batched into {@code POST /sync/push} with a {@code message_id} (a failed push is sent again with the same
 * id); and, standing in for the server's own catch-up from this client, the link asks the session for its scribes
 * after the cursor the server holds ({@code client_cursor}) and pushes them, after which the session pushes new ones
 * as they are made. The server is polled: after a pull that brought nothing the interval doubles up to its maximum.
 * Any failure ends the link (its session disconnects); the owner connects again with backoff.
 *
 * <p>Every message of the session is fed from {@code executor}, one at a time.
 */
public final class HttpLink implements Connection {

    private static final Logger log = LoggerFactory.getLogger(HttpLink.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int PUSH_BATCH = 500;
    private static final int PUSH_ATTEMPTS = 3;

    private final Scriber scriber;
    private final URI base;
    private final HttpClient http;
    private final Supplier<String> bearer;
    private final Duration pollMin;
    private final Duration pollMax;
    private final Duration timeout;
    private final ScheduledExecutorService executor;
    private final Consumer<Session> onOpen;
    private final Runnable onLost;
    // Touched on the executor only.
    private Session session;
    private final Deque<ObjectNode> pushes = new ArrayDeque<>();
    private boolean pushing;
    private boolean uploaded;
    private boolean uploadStarted;
    private long pollDelay;
    private int injected;
    private volatile boolean closed;

    public HttpLink(Scriber scriber, URI base, HttpClient http, Supplier<String> bearer, Duration pollMin,
            Duration pollMax, Duration timeout, ScheduledExecutorService executor, Consumer<Session> onOpen,
            Runnable onLost) {
        this.scriber = scriber;
        this.base = base;
        this.http = http;
        this.bearer = bearer;
        this.pollMin = pollMin;
        this.pollMax = pollMax;
        this.timeout = timeout;
        this.executor = executor;
        this.onOpen = onOpen;
        this.onLost = onLost;
        this.pollDelay = pollMin.toMillis();
    }

    /** Asks the server who it is, then opens the session and starts its catch-up. */
    public void start() {
        HttpRequest health = HttpRequest.newBuilder(base.resolve(HttpApi.HEALTH)).timeout(timeout).GET().build();
        http.sendAsync(health, HttpResponse.BodyHandlers.ofString()).whenCompleteAsync((r, e) -> {
            if (closed) {
                return;
            }
            try {
                if (e != null) {
                    throw new ScribeException(ScribeException.TIMEOUT, "cannot reach " + base + ": " + e);
                }
                JsonNode body = answer(r);
                String server = body.path("server").asText("");
                if (server.isEmpty()) {
                    throw new ScribeException(ScribeException.BAD_REQUEST, base + " does not serve Scribe's HTTP"
                            + " sync API");
                }
                int protocol = body.path("protocol").asInt(0);
                if (protocol != Hello.PROTOCOL_VERSION) {
                    throw new ScribeException(ScribeException.BAD_REQUEST, "the server at " + base + " speaks"
                            + " protocol " + protocol + ", this client " + Hello.PROTOCOL_VERSION);
                }
                session = scriber.client(server).connect(this);
                // The server relays every peer's changes.
                session.trustAsRelay();
                onOpen.accept(session);
                session.sync();
            } catch (RuntimeException failure) {
                fail(failure);
            }
        }, executor);
    }

    @Override
    public boolean messageOriented() {
        return true;
    }

    @Override
    public void send(byte[] frame) {
        sendText(new String(frame, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** A message from the local session, as if sent to the server. */
    @Override
    public void sendText(String text) {
        if (closed) {
            return;
        }
        ObjectNode message;
        try {
            message = (ObjectNode) MAPPER.readTree(text);
        } catch (Exception e) {
            return;
        }
        executor.execute(() -> handle(message));
    }

    private void handle(ObjectNode message) {
        if (closed) {
            return;
        }
        JsonNode id = message.get("id");
        switch (message.path("type").asText()) {
            case "sync" -> pull(message);
            case "add_scribe" -> {
                pushes.add(message);
                pushNext();
            }
            case "response" -> uploaded(message);
            case "noop" -> {
                ObjectNode response = MAPPER.createObjectNode().put("type", "response").put("result", true);
                response.set("id", id);
                feed(response);
            }
            case "error" -> log.warn("scriber {}: local session answered an error: {}", scriber.id(), message);
            default -> {
                ObjectNode error = MAPPER.createObjectNode().put("type", "error");
                error.set("id", id);
                feed(error.put("code", ScribeException.NOT_ALLOWED)
                        .put("message", message.path("type").asText() + " is not available over HTTP"));
            }
        }
    }

    private void pull(ObjectNode sync) {
        ObjectNode body = MAPPER.createObjectNode().put("client", scriber.id());
        body.set("since", sync.get("from"));
        if (sync.path("own").asBoolean(false)) {
            // Its own scribes too: its store may be new under its name (see PageAnswer).
            body.put("own", true);
        }
        if (sync.has("limit")) {
            body.set("max_entries", sync.get("limit"));
        }
        // The log the cursor is a position of, and what the scribe there was: the server refuses a position in
        // another log with 409, as one past its end.
        for (String key : new String[] {"log", "at"}) {
            if (sync.hasNonNull(key)) {
                body.set(key, sync.get(key));
            }
        }
        pull(sync, body);
    }

    private void pull(ObjectNode sync, ObjectNode body) {
        post(HttpApi.PULL, body).whenCompleteAsync((answer, e) -> {
            if (e != null && cause(e).code() == ScribeException.CONFLICT && !body.path("since").isNull()) {
                // The cursor is past the end of the server's log, or a position in another log: the server's store
                // was lost, replaced or restored from an earlier copy since, and its log starts again. Read it from its start (this peer's own scribes too, which it lost).
                log.info("{}: the server's log is not the one this peer's cursor {} was taken from; reading it from its start",
                        scriber.id(), body.path("since").asText());
                // The new server lacks this peer's scribes too: they are uploaded again from the server's cursor.
                uploadStarted = false;
                body.remove("log");
                body.remove("at");
                // As a snapshot, as over a socket: at its end this peer forgets what only the lost store held.
                pull(sync, body.putNull("since").put("own", true).put("snapshot", true));
                return;
            }
            if (e != null && cause(e).code() == ScribeException.TOO_MANY_REQUESTS) {
                // The session asks again a second later, as over a socket.
                ObjectNode error = MAPPER.createObjectNode().put("type", "error");
                error.set("id", sync.get("id"));
                feed(error.put("code", ScribeException.TOO_MANY_REQUESTS).put("message", cause(e).getMessage()));
                return;
            }
            if (e != null) {
                fail(e);
                return;
            }
            ObjectNode response = MAPPER.createObjectNode().put("type", "response");
            response.set("id", sync.get("id"));
            response.set("result", answer.path("scribes"));
            response.put("more", answer.path("has_more").asBoolean(false));
            response.set("cursor", answer.get("cursor"));
            for (String key : new String[] {"log", "at", "snapshot"}) {
                if (answer.hasNonNull(key)) {
                    response.set(key, answer.get(key));
                }
            }
            boolean found = answer.path("scribes").size() > 0;
            feed(response);
            if (!uploadStarted) {
                uploadStarted = true;
                JsonNode clientCursor = answer.get("client_cursor");
                upload(clientCursor == null || clientCursor.isNull() ? null : clientCursor.asText());
            }
            if (!response.path("more").asBoolean()) {
                schedulePoll(found);
            }
        }, executor);
    }

    private void schedulePoll(boolean found) {
        pollDelay = found ? pollMin.toMillis() : Math.min(pollMax.toMillis(), Math.max(1, pollDelay * 2));
        executor.schedule(this::poll, pollDelay, TimeUnit.MILLISECONDS);
    }

    private void poll() {
        Session s = session;
        if (closed || s == null || !s.isOpen()) {
            return;
        }
        CompletableFuture<Void> running = s.catchUp();
        if (running == null || running.isDone()) {
            s.sync();
        } else {
            // A page is still being played: look again shortly.
            executor.schedule(this::poll, pollMin.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Stands in for the server's catch-up from this client: asks the local session for its scribes after {@code
     * from} (the server's cursor for this client), as the server would over a socket.
     */
    private void upload(String from) {
        ObjectNode sync = MAPPER.createObjectNode().put("type", "sync").put("id", "http-" + (++injected));
        sync.put("from", from);
        sync.put("limit", PUSH_BATCH);
        // Only this peer's own scribes are pushed (the server takes no others from it): a position past this log's
        // end (its store was replaced) is then answered this log from its start, not a snapshot of everything.
        sync.put("relayed", false);
        feed(sync);
    }

    /** The local session's answer to {@link #upload}: its scribes, pushed; then the next page, if any. */
    private void uploaded(ObjectNode response) {
        ArrayNode mine = MAPPER.createArrayNode();
        for (JsonNode s : response.path("result")) {
            // Only this peer's own scribes: the others came from the server, which holds them.
            if (scriber.id().equals(s.path("origin").asText(null))) {
                mine.add(s);
            }
        }
        boolean more = response.path("more").asBoolean(false);
        JsonNode cursor = response.get("cursor");
        CompletableFuture<JsonNode> sent = mine.isEmpty() ? CompletableFuture.completedFuture(null)
                : push(mine, UUID.randomUUID().toString(), 1);
        sent.whenCompleteAsync((r, e) -> {
            if (e != null) {
                fail(e);
                return;
            }
            if (more && cursor != null && !cursor.isNull()) {
                upload(cursor.asText());
            } else {
                uploaded = true;
                pushNext();
            }
        }, executor);
    }

    /** Sends the queued {@code add_scribe} pushes of the session, one batch at a time, in order. */
    private void pushNext() {
        if (pushing || !uploaded || pushes.isEmpty()) {
            return;
        }
        List<ObjectNode> batch = new ArrayList<>();
        ArrayNode scribes = MAPPER.createArrayNode();
        while (!pushes.isEmpty() && batch.size() < PUSH_BATCH) {
            ObjectNode add = pushes.poll();
            batch.add(add);
            scribes.add(add.get("scribe"));
        }
        pushing = true;
        push(scribes, UUID.randomUUID().toString(), 1).whenCompleteAsync((answer, e) -> {
            pushing = false;
            if (e != null) {
                fail(e);
                return;
            }
            JsonNode results = answer.path("results");
            for (int i = 0; i < batch.size(); i++) {
                JsonNode result = results.path(i);
                ObjectNode reply;
                if (result.path("ok").asBoolean(false)) {
                    reply = MAPPER.createObjectNode().put("type", "response").put("result", true);
                } else {
                    reply = MAPPER.createObjectNode().put("type", "error")
                            .put("code", result.path("code").asInt(ScribeException.INTERNAL))
                            .put("message", result.path("message").asText("no answer"));
                }
                reply.set("id", batch.get(i).get("id"));
                feed(reply);
            }
            pushNext();
        }, executor);
    }

    /** Pushes {@code scribes}; a failure is tried again with the same message id, so it is applied once. */
    private CompletableFuture<JsonNode> push(ArrayNode scribes, String messageId, int attempt) {
        ObjectNode body = MAPPER.createObjectNode().put("client", scriber.id()).put("message_id", messageId);
        body.set("scribes", scribes);
        return post(HttpApi.PUSH, body).handle((answer, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(answer);
            }
            ScribeException se = cause(e);
            boolean tooMany = se.code() == ScribeException.TOO_MANY_REQUESTS;
            boolean retry = !closed && (tooMany ? attempt < 30 : attempt < PUSH_ATTEMPTS
                    && (se.code() >= ScribeException.INTERNAL || se.code() == ScribeException.TIMEOUT));
            if (!retry) {
                return CompletableFuture.<JsonNode>failedFuture(se);
            }
            CompletableFuture<JsonNode> again = new CompletableFuture<>();
            executor.schedule(() -> push(scribes, messageId, attempt + 1).whenComplete((a, f) -> {
                if (f != null) {
                    again.completeExceptionally(f);
                } else {
                    again.complete(a);
                }
            }), tooMany ? 1000L : 100L << attempt, TimeUnit.MILLISECONDS);
            return again;
        }).thenCompose(f -> f);
    }

    private CompletableFuture<JsonNode> post(String path, ObjectNode body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        String token = bearer == null ? null : bearer.get();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).thenApply(HttpLink::answer);
    }

    private static JsonNode answer(HttpResponse<String> r) {
        JsonNode body;
        try {
            body = MAPPER.readTree(r.body());
        } catch (Exception e) {
            throw new ScribeException(r.statusCode() == 200 ? ScribeException.BAD_REQUEST : r.statusCode(),
                    "unreadable answer from " + r.uri() + " (HTTP " + r.statusCode() + ")");
        }
        if (r.statusCode() != 200) {
            throw new ScribeException(r.statusCode(), r.uri().getPath() + " answered " + r.statusCode() + ": "
                    + body.path("error").path("message").asText(""));
        }
        return body;
    }

    private static ScribeException cause(Throwable e) {
        Throwable t = e;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof ScribeException se ? se
                : new ScribeException(ScribeException.TIMEOUT, "HTTP request failed: " + t);
    }

    private void feed(ObjectNode message) {
        Session s = session;
        if (s != null && !closed) {
            s.receiveMessage(message.toString());
        }
    }

    private void fail(Throwable e) {
        if (closed) {
            return;
        }
        log.info("scriber {}: HTTP link to {} failed: {}", scriber.id(), base, cause(e).getMessage());
        shutdown();
    }

    private void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        Session s = session;
        if (s != null) {
            s.disconnect();
        }
        onLost.run();
    }

    /** Called by the session when it disconnects; ends the link. */
    @Override
    public void close() {
        try {
            executor.execute(this::shutdown);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            closed = true;
        }
    }
}
