package io.scribe.docsync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.scribe.core.Change;
import io.scribe.core.Policy;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.ObjectState;
import io.scribe.docsync.Document;
import io.scribe.docsync.internal.Crypto;
import io.scribe.docsync.server.DocServer;
import io.scribe.docsync.store.SqliteStore;
import io.scribe.transport.netty.Backoff;
import io.scribe.transport.netty.ScribeClient;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A doc-sync client: the user's documents in a local SQLite store (Scribe's {@code SqliteStore}), kept in sync with
 * a {@link DocServer} over WebSocket. Each create, edit and delete is in the local SQLite log (in the same
 * transaction as the document) when its method returns, online or offline, so no kill of the process loses it; the
 * log is the upload queue, pushed at once while connected and caught up by the server after a reconnection or a
 * restart. The connection reconnects with backoff by itself.
 *
 * <p>Thread-safe; events are delivered in order on one thread of the client's.
 */
public final class DocClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DocClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Options options;
    private final String clientId;
    private final SqliteStore store;
    private final Scriber scriber;
    private final ScribeClient connection;
    private final ConflictMarks conflicts;
    private final List<Consumer<DocEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private final ScheduledExecutorService watcher;
    private volatile boolean connected;
    private volatile String authError;
    /** The session that authenticated, until it closes. */
    private volatile Session authenticated;
    /** The own changes the server has not acknowledged yet, counted from the local log. */
    private final Unacknowledged unacknowledged;
    private volatile boolean ackAsked;
    private final java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
    private volatile String lastRefusal;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
    /** Changes from the server played since this client started (the catch-up progress counts these). */
    private final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
    private final Progress progress = new Progress(progressInterval());

    /** The largest document, in bytes of JSON, that this client accepts: it must travel in one frame. */
    public static final int MAX_DOCUMENT_BYTES = io.scribe.core.Wire.DEFAULT_MAX_FRAME_BYTES - 4096;

    /** Where the acknowledged position is kept in the local store's cursor table (never a client GUID). */
    private static final String ACK_KEY = "#acknowledged-by-" + DocServer.SERVER_ID;

    /**
     * Client settings.
     *
     * @param server the server's WebSocket URI
     * @param email the user's email
     * @param apiKey the API key ({@code rpa_…})
     * @param secret the secret ({@code rps_…}); only its signature travels
     * @param dataDir the directory of the local store and the client's GUID
     * @param backoff reconnect delays
     */
    public record Options(URI server, String email, String apiKey, String secret, Path dataDir, Backoff backoff) {
        public Options {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(apiKey, "apiKey");
            Objects.requireNonNull(secret, "secret");
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(backoff, "backoff");
        }
    }

    private DocClient(Options options) {
        this.options = options;
        this.clientId = clientId(options.dataDir());
        this.store = SqliteStore.open(options.dataDir().resolve("documents.db"));
        this.conflicts = new ConflictMarks(store, closed::get);
        this.unacknowledged = new Unacknowledged(store, clientId,
                store.cursor(ACK_KEY).map(Long::parseLong).orElse(0L), this::keepAcknowledged, this);
        this.events = Executors.newSingleThreadExecutor(r -> daemon(r, "doc-sync-events-" + clientId));
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "doc-sync-watch-" + clientId));
        this.scriber = Scriber.builder()
                .clientId(clientId)
                .store(store)
                .register(Document.class, Policy.<Document>defaults().withKeyMerge("content"))
                .handle("conflict", (session, message) -> {
                    if (conflicts.told(session, message, this::missedConflict)) {
                        emit(new DocEvent(DocEvent.Kind.CONFLICT, message.path("doc").asText(), false, message));
                    }
                    return null;
                })
                .onError(e -> {
                    log.warn("client {}: {}", clientId, e.getMessage());
                    if (e.code() == ScribeException.FORBIDDEN || e.code() == ScribeException.UNAUTHENTICATED) {
                        lastRefusal = e.getMessage();
                        refusals.incrementAndGet();
                        emit(new DocEvent(DocEvent.Kind.ERROR, null, false, TextNode.valueOf(e.getMessage())));
                    }
                })
                .build();
        scriber.listen(Document.class, this::changed);
        this.connection = ScribeClient.webSocket(scriber, options.server())
                .serverId(DocServer.SERVER_ID)
                .reconnect(options.backoff())
                .onSession(this::opened)
                .onStatus(this::connectionStatus)
                .start();
        long tick = Long.getLong("doc-sync.watch-ms", 100);
        watcher.scheduleWithFixedDelay(this::watch, tick, tick, TimeUnit.MILLISECONDS);
    }

    /** Opens the local store and starts connecting. */
    public static DocClient start(Options options) {
        return new DocClient(options);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** The client's GUID, kept in {@code dataDir/client-id} across restarts. */
    private static String clientId(Path dir) {
        try {
            Files.createDirectories(dir);
            Path f = dir.resolve("client-id");
            if (!Files.exists(f)) {
                Files.writeString(f, "c-" + UUID.randomUUID());
            }
            return Files.readString(f).trim();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read or write " + dir + "/client-id: " + e, e);
        }
    }

    /** The authentication message: HMAC-SHA256(secret, "timestamp.email.api_key.clientId"). */
    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    public static ObjectNode authMessage(String email, String apiKey, String secret, String clientId, long epochSeconds) {
        // A fresh nonce per login: two logins in the same second sign different bodies, so the server's replay
        // check refuses only a message sent again.
        byte[] random = new byte[16];
        NONCES.nextBytes(random);
        String nonce = java.util.HexFormat.of().formatHex(random);
        return JSON.createObjectNode().put("type", "auth").put("email", email).put("api_key", apiKey)
                .put("timestamp", epochSeconds).put("nonce", nonce)
                .put("signature", Crypto.sign(secret, epochSeconds, email, apiKey, clientId + "." + nonce));
    }

    /** Runs on each new session, before its catch-up request: authenticate. */
    private void opened(Session session) {
        ObjectNode auth = authMessage(options.email(), options.apiKey(), options.secret(), clientId,
                System.currentTimeMillis() / 1000);
        session.request(auth).whenComplete((r, e) -> {
            if (e == null) {
                authenticated = session;
                ackAsked = false;
                conflicts.check(session, this::missedConflict);
                return;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            // A refusal (4xx; a timeout is not one) is final: wrong credentials do not get better by retrying.
            if (cause instanceof ScribeException se && se.code() >= 400 && se.code() < 500
                    && se.code() != ScribeException.TIMEOUT) {
                String message = se.getMessage();
                int answered = message.indexOf(" answered: ");
                if (answered >= 0) {
                    message = message.substring(answered + " answered: ".length());
                }
                if (message.contains(IDENTITY_IN_USE)) {
                    message = message + " (the data directory " + options.dataDir() + " is probably a copy of one"
                            + " in use elsewhere: run doc-sync client --reset-identity with this --data to give the"
                            + " copy its own identity; its pending edits are kept)";
                }
                authError = message;
                emit(new DocEvent(DocEvent.Kind.ERROR, null, false, TextNode.valueOf(authError)));
                log.warn("client {}: authentication refused: {}", clientId, authError);
                Executors.newSingleThreadExecutor(t -> daemon(t, "doc-sync-stop")).execute(connection::close);
            }
        });
    }

    /**
     * A loss the server logged for a change made here whose notice never reached this client (it closed or lost the
     * connection first): reported as a conflict whose detail is the lost change's row, as {@link #conflicts()} lists
     * it.
     */
    private void missedConflict(JsonNode row) {
        emit(new DocEvent(DocEvent.Kind.CONFLICT, row.path("docId").asText(), false, row));
    }

    /** How often a long catch-up or upload reports its progress: {@code doc-sync.progress-ms}, default 2 s. */
    private static java.time.Duration progressInterval() {
        return java.time.Duration.ofMillis(Long.getLong("doc-sync.progress-ms", 2000));
    }

    /** What the server's refusal of a GUID that another live session uses says. */
    static final String IDENTITY_IN_USE = "in use by another live session";

    private Session watched;

    private void watch() {
        try {
            watchSession();
        } finally {
            Session s = authenticated;
            boolean catchingUp = s != null && s.isOpen() && !s.isCaughtUp();
            boolean uploading = s != null && s.isOpen() && s.isCaughtUp();
            progress.tick(catchingUp, received.get(), uploading, uploading ? pendingCount() : 0)
                    .ifPresent(p -> emit(new DocEvent(DocEvent.Kind.PROGRESS, null, false, p)));
        }
    }

    private void watchSession() {
        Session current = connection.session().orElse(null);
        if (current != null && current != watched && current.catchUp() != null) {
            watched = current;
            current.catchUp().whenComplete((v, e) -> {
                if (e == null) {
                    watcher.execute(this::applyCarryOver);
                    emit(new DocEvent(DocEvent.Kind.SYNC_COMPLETED, null, false, null));
                }
            });
        }
        askForAcknowledgement();
        boolean now = connection.session().map(Session::isOpen).orElse(false);
        if (now != connected) {
            connected = now;
            emit(new DocEvent(DocEvent.Kind.CONNECTION_CHANGED, null, false, BooleanNode.valueOf(now)));
        }
    }

    private void changed(Change<Document> change) {
        unacknowledged.changed();
        if (!change.local()) {
            received.incrementAndGet();
        }
        if (!change.local() && change.fields().stream().allMatch(f -> f.equals("version") || f.equals("revision"))
                && change.type() == Scribe.Type.UPDATE) {
            return;
        }
        DocEvent.Kind kind = switch (change.type()) {
            case CREATE -> DocEvent.Kind.CREATED;
            case UPDATE -> DocEvent.Kind.UPDATED;
            case DESTROY -> DocEvent.Kind.DELETED;
        };
        emit(new DocEvent(kind, change.id(), change.local(), null));
    }

    private void emit(DocEvent event) {
        events.execute(() -> {
            for (Consumer<DocEvent> l : listeners) {
                try {
                    l.accept(event);
                } catch (RuntimeException e) {
                    log.warn("event listener failed on {}", event, e);
                }
            }
        });
    }

    /** Adds a listener for the client's events. */
    public void onEvent(Consumer<DocEvent> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** This client's GUID. */
    public String clientId() {
        return clientId;
    }

    /** Whether a session to the server is open. */
    public boolean isConnected() {
        return connection.session().map(Session::isOpen).orElse(false);
    }

    /**
     * Why the last attempt to reach the server failed, while this client is offline and knows: the server is not
     * reachable, the address serves something else, or the connection was lost. Empty while connected, and before
     * the first attempt ended.
     */
    public Optional<String> offlineReason() {
        return isConnected() ? Optional.empty() : Optional.ofNullable(offlineReason);
    }

    // Why the last attempt ended offline; kept while the next attempt is made, cleared once online.
    private volatile String offlineReason;

    private void connectionStatus(io.scribe.core.ConnectionStatus status) {
        if (status.state() == io.scribe.core.ConnectionStatus.State.ONLINE) {
            offlineReason = null;
        } else if (status.state() == io.scribe.core.ConnectionStatus.State.OFFLINE && status.cause() != null) {
            Throwable cause = status.cause();
            offlineReason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
        }
    }

    /** The reason the server refused this client's credentials, if it did. */
    public Optional<String> authError() {
        return Optional.ofNullable(authError);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Documents

    /**
     * Creates a document owned by this user; returns its id.
     *
     * @throws IllegalArgumentException if the document is larger than {@link #MAX_DOCUMENT_BYTES}
     */
    public String create(String title, ObjectNode content) {
        return create(title, content, List.of());
    }

    /**
     * Creates a document owned by this user and shared with the users {@code sharedWith} (emails), who receive it
     * and may edit its title and content; returns its id. The create is in the local log when this returns.
     *
     * @throws IllegalArgumentException if the document is larger than {@link #MAX_DOCUMENT_BYTES}
     */
    public String create(String title, ObjectNode content, List<String> sharedWith) {
        checkOpen();
        Document d = new Document(options.email(), title, content == null ? null : content.deepCopy());
        Document.edit(d, null, null, sharedWith);
        checkSize(d.toJson());
        return scriber.create(d).id();
    }

    /**
     * Edits a document: {@code edit} gets a copy of the content and returns the new content; {@code title} replaces
     * the title when not null. The edit is in the local log (the same SQLite transaction as the document) when this
     * returns, online or offline.
     *
     * @throws IllegalArgumentException if there is no such document, or the edit would make it larger than {@link
     *     #MAX_DOCUMENT_BYTES} (then nothing changes)
     */
    public void update(String id, String title, UnaryOperator<ObjectNode> edit) {
        checkOpen();
        // The content is read, edited and saved with no change from the server played in between: a change of
        // another key arriving meanwhile would otherwise go back out with the value read before it, as a newer write.
        synchronized (this) {
            scriber.atomically(() -> {
                Document d = scriber.find(Document.class, id)
                        .orElseThrow(() -> new IllegalArgumentException("no document " + id));
                ObjectNode content = edit == null ? null : edit.apply(d.content().deepCopy());
                ObjectNode after = d.toJson();
                if (title != null) {
                    after.put("title", title);
                }
                if (content != null) {
                    after.set("content", content);
                }
                checkSize(after);
                Document.edit(d, title, content, null);
                conflicts.clear(id);
                scriber.save(d);
                lastChanged = id;
            });
        }
    }

    private static void checkSize(ObjectNode document) {
        int bytes;
        try {
            bytes = JSON.writeValueAsBytes(document).length;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("document cannot be written as JSON: " + e.getMessage(), e);
        }
        if (bytes > MAX_DOCUMENT_BYTES) {
            throw new IllegalArgumentException("document too large: " + bytes + " bytes of JSON, the limit is "
                    + MAX_DOCUMENT_BYTES + " (one message to the server); nothing was changed");
        }
    }

    /**
     * Deletes a document. Only its owner may: a document shared with this user is refused here (the server would
     * refuse it too) and stays.
     *
     * @throws IllegalArgumentException if there is no such document or this user does not own it
     */
    public void delete(String id) {
        checkOpen();
        Document d = scriber.find(Document.class, id)
                .orElseThrow(() -> new IllegalArgumentException("no document " + id));
        if (!options.email().equals(d.owner())) {
            throw new IllegalArgumentException("only its owner " + d.owner() + " can delete " + id
                    + "; it stays");
        }
        scriber.destroy(d);
    }

    /**
     * Shares a document of this user's with another user, who receives it whole (at once if connected, else on
     * their next catch-up) and may then edit its title and content.
     *
     * @throws IllegalArgumentException if there is no such document, this user does not own it, or the email is
     *     not one
     */
    public void share(String id, String email) {
        changeSharing(id, email, true);
    }

    /**
     * Stops sharing a document with a user: their clients get no more of its changes (the copy they have stays
     * with them) and the server refuses their edits of it.
     */
    public void unshare(String id, String email) {
        changeSharing(id, email, false);
    }

    private void changeSharing(String id, String email, boolean add) {
        checkOpen();
        // Read and written with no change from the server played in between (see update).
        synchronized (this) {
            scriber.atomically(() -> {
                Document d = scriber.find(Document.class, id)
                        .orElseThrow(() -> new IllegalArgumentException("no document " + id));
                if (!options.email().equals(d.owner())) {
                    throw new IllegalArgumentException("only its owner " + d.owner() + " can share " + id);
                }
                String who = email == null ? "" : email.strip();
                if (!who.matches("[^@\\s]+@[^@\\s]+")) {
                    throw new IllegalArgumentException("not an email: " + email);
                }
                if (who.equals(d.owner())) {
                    throw new IllegalArgumentException(who + " owns " + id);
                }
                List<String> shared = new ArrayList<>(d.sharedWith());
                if (add == shared.contains(who)) {
                    throw new IllegalArgumentException(
                            id + (add ? " is already shared with " : " is not shared with ") + who);
                }
                if (add) {
                    shared.add(who);
                } else {
                    shared.remove(who);
                }
                Document.edit(d, null, null, shared);
                scriber.save(d);
            });
        }
    }

    /** A document, if this client has it. */
    public Optional<Document> get(String id) {
        return scriber.find(Document.class, id);
    }

    /** Every document this client has, oldest id first. */
    public List<Document> list() {
        List<Document> all = new ArrayList<>(scriber.all(Document.class));
        all.sort(Comparator.comparing(Document::id));
        return all;
    }

    /** The sync status of a document. */
    public DocStatus status(String id) {
        if (conflicts.isMarked(id)) {
            return DocStatus.CONFLICT;
        }
        return unacknowledged.count().byDocument().containsKey(id) ? DocStatus.PENDING : DocStatus.SYNCED;
    }

    /**
     * How many local changes (creates, edits, deletes) the server has not acknowledged yet: the own scribes in the
     * local log after the position the server last confirmed. Kept in the local store, so it survives restarts. A
     * change the server refused counts as acknowledged (see {@link #refusals()}).
     */
    public int pendingCount() {
        return unacknowledged.count().total();
    }

    /** How many changes or logins the server has refused since this client started. */
    public int refusals() {
        return refusals.get();
    }

    /** The server's message for the latest refusal, if any. */
    public Optional<String> lastRefusal() {
        return Optional.ofNullable(lastRefusal);
    }

    /** Whether a session is open, has authenticated and has caught up with the server. */
    public boolean isSynced() {
        Session s = authenticated;
        return s != null && s.isOpen() && s.isCaughtUp();
    }

    /**
     * Stores the acknowledged position, unless the client is closed (its store with it). Called by {@link
     * Unacknowledged} under this client's monitor, which {@link #close()} holds while it closes the store.
     */
    private boolean keepAcknowledged(long to) {
        if (closed.get()) {
            return false;
        }
        store.saveCursor(ACK_KEY, Long.toString(to));
        return true;
    }

    /**
     * While own changes are unacknowledged, asks the authenticated session how far the server has processed this
     * client's log (one question at a time; the server answers after the pushes sent before it).
     */
    private void askForAcknowledgement() {
        Session s = authenticated;
        if (s == null || !s.isOpen() || ackAsked || closed.get()) {
            return;
        }
        try {
            if (unacknowledged.count().total() == 0) {
                return;
            }
        } catch (RuntimeException e) {
            return;
        }
        ackAsked = true;
        s.request(JSON.createObjectNode().put("type", DocServer.ACKNOWLEDGED)).whenComplete((r, e) -> {
            ackAsked = false;
            if (e == null) {
                JsonNode cursor = r.path("result").path("cursor");
                if (cursor.isTextual() || cursor.isNumber()) {
                    try {
                        unacknowledged.acknowledge(Long.parseLong(cursor.asText()));
                    } catch (NumberFormatException bad) {
                        log.warn("client {}: unexpected acknowledgement {}", clientId, r);
                    }
                }
            }
        });
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the client is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // History, revert, undo and lost changes (read from the server's event log)

    /** How long a question to the server may take. */
    private static final Duration ASK_TIMEOUT = Duration.ofSeconds(15);

    private JsonNode ask(ObjectNode message) {
        Session s = authenticated;
        if (s == null || !s.isOpen()) {
            throw new IllegalStateException("offline: " + message.path("type").asText()
                    + " comes from the server's event log");
        }
        try {
            return s.request(message).get(ASK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).path("result");
        } catch (java.util.concurrent.ExecutionException e) {
            String text = e.getCause() == null ? e.toString() : e.getCause().getMessage();
            int answered = text.indexOf(" answered: ");
            throw new IllegalArgumentException(answered >= 0 ? text.substring(answered + 11) : text, e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("no answer from the server within " + ASK_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * The document's accepted changes from the server's event log, oldest first: each {@code {seq, kind (create,
     * update, delete, conflict), author, clientId, version, forward, reverse, lost, at}} (lost conflict rows only
     * for this user's own changes).
     *
     * @throws IllegalStateException when offline
     * @throws IllegalArgumentException when the server has no such document for this user
     */
    public List<JsonNode> history(String id) {
        JsonNode events = ask(JSON.createObjectNode().put("type", DocServer.HISTORY).put("doc", id)).path("events");
        List<JsonNode> result = new ArrayList<>();
        events.forEach(result::add);
        return result;
    }

    /**
     * The document as it was at {@code version} (after the change with that version), rebuilt from the event log
     * by applying each accepted change's forward patch in turn; empty if it did not exist then (or was deleted).
     */
    public Optional<ObjectNode> versionOf(String id, long version) {
        return versionOf(history(id), version);
    }

    private static Optional<ObjectNode> versionOf(List<JsonNode> events, long version) {
        JsonNode doc = null;
        boolean reached = false;
        for (JsonNode e : events) {
            if (e.path("lost").asBoolean() || e.path("version").asLong() > version) {
                continue;
            }
            reached |= e.path("version").asLong() == version;
            doc = e.path("kind").asText().equals("create") ? e.get("forward")
                    : e.get("forward") == null || e.get("forward").isNull() ? null
                    : io.scribe.docsync.patch.Patches.apply(e.get("forward"), doc);
        }
        if (!reached) {
            throw new IllegalArgumentException("no version " + version + " (the versions are 1 to "
                    + events.stream().filter(e -> !e.path("lost").asBoolean())
                            .mapToLong(e -> e.path("version").asLong()).max().orElse(0) + ")");
        }
        return doc instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
    }

    /**
     * Makes the document's title and content what they were at {@code version}, as a new change: the reverse
     * patches of the later accepted changes are applied, newest first, to the current version, and the result is
     * edited in like any edit (it syncs, and the log keeps every version).
     *
     * @throws IllegalArgumentException if there is no such document or version, or the document did not exist then
     */
    public void revert(String id, long version) {
        Document d = scriber.find(Document.class, id)
                .orElseThrow(() -> new IllegalArgumentException("no document " + id));
        List<JsonNode> events = history(id);
        versionOf(events, version).orElseThrow(() -> new IllegalArgumentException(
                "the document did not exist at version " + version));
        JsonNode doc = null;
        List<JsonNode> accepted = events.stream().filter(e -> !e.path("lost").asBoolean()).toList();
        for (JsonNode e : accepted) {
            doc = e.path("kind").asText().equals("create") ? e.get("forward")
                    : io.scribe.docsync.patch.Patches.apply(e.get("forward"), doc);
        }
        for (int i = accepted.size() - 1; i >= 0 && accepted.get(i).path("version").asLong() > version; i--) {
            doc = io.scribe.docsync.patch.Patches.apply(accepted.get(i).get("reverse"), doc);
        }
        ObjectNode target = (ObjectNode) doc;
        ObjectNode content = target.path("content").isObject() ? (ObjectNode) target.get("content").deepCopy()
                : JSON.createObjectNode();
        update(d.id(), target.path("title").asText(null), c -> content);
    }

    private volatile String lastChanged;

    /**
     * Undoes this client's last accepted change of the document it changed last (or of {@code id}): the document
     * goes back to the version before it, as a new change. Refused when someone changed the document since (use
     * {@link #revert}), when the change was a create or a delete, or when it is not acknowledged yet.
     *
     * @return the version the document went back to
     */
    public long undo(String id) {
        String target = id != null ? id : lastChanged;
        if (target == null) {
            throw new IllegalArgumentException("nothing to undo in this session: name the document (undo ID)");
        }
        if (unacknowledged.count().byDocument().containsKey(target)) {
            throw new IllegalStateException("the last change to " + target.substring(0, Math.min(8, target.length()))
                    + " is not acknowledged yet: wait, then undo");
        }
        List<JsonNode> accepted = history(target).stream().filter(e -> !e.path("lost").asBoolean()).toList();
        if (accepted.isEmpty()) {
            throw new IllegalArgumentException("no history for " + target);
        }
        JsonNode last = accepted.get(accepted.size() - 1);
        if (!clientId.equals(last.path("clientId").asText())) {
            boolean mine = accepted.stream().anyMatch(e -> clientId.equals(e.path("clientId").asText()));
            throw new IllegalArgumentException(mine ? last.path("author").asText()
                    + " changed it after your last change (version " + last.path("version").asLong()
                    + "): use revert ID VERSION" : "you have not changed this document");
        }
        if (!last.path("kind").asText().equals("update")) {
            throw new IllegalArgumentException("your last change was a " + last.path("kind").asText()
                    + (last.path("kind").asText().equals("create") ? ": delete the document instead" : "")
                    + "; only edits can be undone");
        }
        long back = last.path("version").asLong() - 1;
        revert(target, back);
        return back;
    }

    /**
     * This user's changes that lost a conflict, from the server's event log, oldest first: each {@code {seq, docId,
     * at, version, forward}} where {@code forward} is the JSON Patch from the document as it was then to what the
     * change wanted.
     */
    public List<JsonNode> conflicts() {
        List<JsonNode> result = new ArrayList<>();
        ask(JSON.createObjectNode().put("type", DocServer.CONFLICTS)).path("conflicts").forEach(result::add);
        return result;
    }

    /**
     * Applies a lost change again, as a new edit of the current document: the title and content values its patch
     * wanted are set (and the keys it removed removed).
     *
     * @param seq the lost change's {@code seq} from {@link #conflicts()}
     */
    public String restore(long seq) {
        JsonNode lost = conflicts().stream().filter(c -> c.path("seq").asLong() == seq).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no lost change " + seq + " (see conflicts)"));
        String id = lost.path("docId").asText();
        if (scriber.find(Document.class, id).isEmpty()) {
            throw new IllegalArgumentException("the document " + id + " no longer exists");
        }
        // Applied to the content as it is when the edit is made (inside update's read-modify-write), so a change of
        // another key arriving meanwhile is kept.
        update(id, title(lost), content -> {
            reapply(lost, content);
            return content;
        });
        return id;
    }

    /** The title a lost change wanted, or null when it did not change the title. */
    private static String title(JsonNode lost) {
        String title = null;
        for (JsonNode op : lost.path("forward")) {
            String kind = op.path("op").asText();
            if (op.path("path").asText().equals("/title") && (kind.equals("add") || kind.equals("replace"))) {
                title = op.path("value").asText();
            }
        }
        return title;
    }

    /** Sets in {@code content} the values a lost change's patch wanted (and removes the keys it removed). */
    private static void reapply(JsonNode lost, ObjectNode content) {
        for (JsonNode op : lost.path("forward")) {
            String path = op.path("path").asText();
            String kind = op.path("op").asText();
            if (path.startsWith("/content/") && path.indexOf('/', 9) < 0) {
                String key = path.substring(9).replace("~1", "/").replace("~0", "~");
                if (kind.equals("remove")) {
                    content.remove(key);
                } else if (kind.equals("add") || kind.equals("replace")) {
                    content.set(key, op.get("value"));
                }
            } else if (path.startsWith("/content/")) {
                // A change inside a key: the whole key as it wanted it is in a sibling op only when the key was
                // replaced; a nested patch applies to the current value.
                try {
                    ObjectNode wrapper = JSON.createObjectNode();
                    wrapper.set("content", content);
                    ObjectNode patched = (ObjectNode) io.scribe.docsync.patch.Patches.apply(
                            JSON.createArrayNode().add(op), wrapper);
                    ObjectNode after = (ObjectNode) patched.get("content").deepCopy();
                    content.removeAll();
                    content.setAll(after);
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("the lost change does not apply to the current document: "
                            + e.getMessage(), e);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Identity

    /** The file that carries pending changes across {@link #resetIdentity}. */
    private static final String CARRY_OVER = "carry-over.json";

    /**
     * Gives the client whose data directory is {@code dataDir} (not running) a new GUID, for a directory copied from
     * another client's. The changes the server had not acknowledged are kept: written to {@code carry-over.json}
     * before anything else; the local store is renamed {@code documents-OLDGUID.db} (kept, not deleted), and the
     * next start catches up from the server under the new GUID and then applies them again as new changes (a
     * document created and never uploaded is created again with a new id; edits set the title and content the copy
     * had; deletes delete).
     *
     * @return the new GUID
     * @throws IllegalStateException if the directory cannot be read or written
     */
    public static String resetIdentity(Path dataDir) {
        String old = clientId(dataDir);
        Path db = dataDir.resolve("documents.db");
        Path carryFile = dataDir.resolve(CARRY_OVER);
        try {
            com.fasterxml.jackson.databind.node.ArrayNode carry = Files.exists(carryFile)
                    ? (com.fasterxml.jackson.databind.node.ArrayNode) JSON.readTree(carryFile.toFile())
                    : JSON.createArrayNode();
            if (Files.exists(db)) {
                try (SqliteStore store = SqliteStore.open(db)) {
                    long marker = store.cursor(ACK_KEY).map(Long::parseLong).orElse(0L);
                    Map<String, String> ops = new java.util.LinkedHashMap<>();
                    long position = marker;
                    while (true) {
                        List<Scribe> page = store.readAfter(position, 500);
                        for (Scribe sc : page) {
                            position = Long.parseLong(sc.id());
                            if (!old.equals(sc.origin()) || !Document.KLASS.equals(sc.klass())) {
                                continue;
                            }
                            String doc = sc.type() == Scribe.Type.CREATE ? sc.data().path("id").asText()
                                    : sc.data().path(0).asText();
                            switch (sc.type()) {
                                case CREATE -> ops.put(doc, "create");
                                case UPDATE -> ops.putIfAbsent(doc, "update");
                                case DESTROY -> {
                                    if ("create".equals(ops.get(doc))) {
                                        ops.remove(doc);
                                    } else {
                                        ops.put(doc, "delete");
                                    }
                                }
                            }
                        }
                        if (page.size() < 500) {
                            break;
                        }
                    }
                    for (Map.Entry<String, String> op : ops.entrySet()) {
                        ObjectNode entry = carry.addObject().put("op", op.getValue()).put("id", op.getKey());
                        if (!op.getValue().equals("delete")) {
                            ObjectState state = store.object(Document.KLASS, op.getKey()).orElse(null);
                            if (state == null || state.destroyed()) {
                                carry.remove(carry.size() - 1);
                                continue;
                            }
                            entry.set("title", state.fields().get("title"));
                            entry.set("content", state.fields().get("content"));
                            entry.set("sharedWith", state.fields().get("sharedWith"));
                        }
                    }
                }
            }
            writeDurably(carryFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(carry));
            for (String suffix : List.of("", "-wal", "-shm")) {
                Path f = dataDir.resolve("documents.db" + suffix);
                if (Files.exists(f)) {
                    Files.move(f, dataDir.resolve("documents-" + old + ".db" + suffix),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
            String fresh = "c-" + UUID.randomUUID();
            writeDurably(dataDir.resolve("client-id"), fresh.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            log.info("client {} is now {}; {} pending changes carried over", old, fresh, carry.size());
            return fresh;
        } catch (IOException e) {
            throw new IllegalStateException("cannot reset the identity in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(bytes));
            ch.force(true);
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** After a catch-up: applies the changes {@link #resetIdentity} carried over, once. */
    private synchronized void applyCarryOver() {
        Path file = options.dataDir().resolve(CARRY_OVER);
        if (closed.get() || !Files.exists(file)) {
            return;
        }
        try {
            for (JsonNode entry : JSON.readTree(file.toFile())) {
                String id = entry.path("id").asText();
                String op = entry.path("op").asText();
                Optional<Document> present = scriber.find(Document.class, id);
                ObjectNode content = entry.path("content").isObject() ? (ObjectNode) entry.get("content").deepCopy()
                        : JSON.createObjectNode();
                String title = entry.path("title").asText(null);
                try {
                    if (op.equals("delete")) {
                        if (present.isPresent() && options.email().equals(present.get().owner())) {
                            delete(id);
                        }
                    } else if (present.isPresent()) {
                        update(id, title, c -> content);
                    } else if (op.equals("create")) {
                        List<String> shared = new ArrayList<>();
                        entry.path("sharedWith").forEach(e -> shared.add(e.asText()));
                        create(title, content, shared);
                    } else {
                        log.warn("client {}: carried-over edit of {} dropped: the server no longer has it",
                                clientId, id);
                    }
                } catch (IllegalArgumentException e) {
                    log.warn("client {}: carried-over change of {} dropped: {}", clientId, id, e.getMessage());
                }
            }
            Files.delete(file);
        } catch (IOException e) {
            log.warn("client {}: cannot apply {}: {}", clientId, file, e.getMessage());
        }
    }

    /** The underlying Scriber (for tests and tools). */
    public Scriber scriber() {
        return scriber;
    }

    /** Drops the connection on purpose (it reconnects by itself). */
    public void reconnect() {
        connection.reconnect();
    }

    /** Stops the connection and closes the local store. Idempotent; every change made before is already stored. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        watcher.shutdownNow();
        connection.close();
        synchronized (this) {
            scriber.close();
            store.close();
        }
        events.shutdown();
        try {
            events.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until the client is connected and caught up. */
    public void awaitConnected(Duration timeout) {
        connection.awaitSession(timeout);
    }
}
