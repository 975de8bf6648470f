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
import io.scribe.core.spi.Stamp;
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
 * a {@link DocServer} over WebSocket. Edits apply locally at once. While connected they are recorded and pushed at
 * once; while disconnected they accumulate on the document and are recorded as one update per document when the
 * connection comes back (so several offline edits upload as one patch). The connection reconnects with backoff by
 * itself.
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
    private final Set<String> unsaved = ConcurrentHashMap.newKeySet();
    private final Set<String> conflicted = ConcurrentHashMap.newKeySet();
    private final List<Consumer<DocEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService events;
    private final ScheduledExecutorService watcher;
    private volatile boolean connected;
    private volatile String authError;

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
        this.events = Executors.newSingleThreadExecutor(r -> daemon(r, "doc-sync-events-" + clientId));
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "doc-sync-watch-" + clientId));
        this.scriber = Scriber.builder()
                .clientId(clientId)
                .store(store)
                .register(Document.class, Policy.<Document>defaults().withKeyMerge("content"))
                .handle("conflict", (session, message) -> {
                    String doc = message.path("doc").asText();
                    conflicted.add(doc);
                    emit(new DocEvent(DocEvent.Kind.CONFLICT, doc, false, message));
                    return null;
                })
                .onError(e -> {
                    log.warn("client {}: {}", clientId, e.getMessage());
                    if (e.code() == ScribeException.FORBIDDEN || e.code() == ScribeException.UNAUTHENTICATED) {
                        emit(new DocEvent(DocEvent.Kind.ERROR, null, false, TextNode.valueOf(e.getMessage())));
                    }
                })
                .build();
        scriber.listen(Document.class, this::changed);
        this.connection = ScribeClient.webSocket(scriber, options.server())
                .serverId(DocServer.SERVER_ID)
                .reconnect(options.backoff())
                .onSession(this::opened)
                .start();
        watcher.scheduleWithFixedDelay(this::watch, 100, 100, TimeUnit.MILLISECONDS);
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

    /** Runs on each new session, before its catch-up request: authenticate, then record edits made while away. */
    private void opened(Session session) {
        ObjectNode auth = authMessage(options.email(), options.apiKey(), options.secret(), clientId,
                System.currentTimeMillis() / 1000);
        session.request(auth).whenComplete((r, e) -> {
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof ScribeException se && (se.code() == ScribeException.UNAUTHENTICATED
                    || se.code() == ScribeException.FORBIDDEN || se.code() == ScribeException.BAD_REQUEST)) {
                authError = se.getMessage();
                emit(new DocEvent(DocEvent.Kind.ERROR, null, false, TextNode.valueOf(authError)));
                log.warn("client {}: authentication refused: {}", clientId, authError);
                // Wrong credentials do not get better by retrying.
                Executors.newSingleThreadExecutor().execute(connection::close);
            }
        });
        for (String id : List.copyOf(unsaved)) {
            scriber.find(Document.class, id).ifPresent(this::record);
        }
    }

    private Session watched;

    private void watch() {
        Session current = connection.session().orElse(null);
        if (current != null && current != watched && current.catchUp() != null) {
            watched = current;
            current.catchUp().whenComplete((v, e) -> {
                if (e == null) {
                    emit(new DocEvent(DocEvent.Kind.SYNC_COMPLETED, null, false, null));
                }
            });
        }
        boolean now = connection.session().map(Session::isOpen).orElse(false);
        if (now != connected) {
            connected = now;
            emit(new DocEvent(DocEvent.Kind.CONNECTION_CHANGED, null, false, BooleanNode.valueOf(now)));
        }
    }

    private void changed(Change<Document> change) {
        if (!change.local() && change.fields().contains("revision")) {
            // The server's stamp names the change it acknowledged: remember ours, later stamps may name others.
            String revision = change.object().revision();
            int colon = revision == null ? -1 : revision.lastIndexOf(':');
            if (colon > 0 && revision.substring(0, colon).equals(clientId)) {
                ackedClocks.merge(change.id(), Long.parseLong(revision.substring(colon + 1)), Math::max);
            }
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

    /** The reason the server refused this client's credentials, if it did. */
    public Optional<String> authError() {
        return Optional.ofNullable(authError);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Documents

    /** Creates a document owned by this user; returns its id. */
    public String create(String title, ObjectNode content) {
        return create(title, content, List.of());
    }

    /**
     * Creates a document owned by this user and shared with the users {@code sharedWith} (emails), who receive it
     * and may edit its title and content; returns its id.
     */
    public String create(String title, ObjectNode content, List<String> sharedWith) {
        Document d = new Document(options.email(), title, content == null ? null : content.deepCopy());
        Document.edit(d, null, null, sharedWith);
        return scriber.create(d).id();
    }

    /**
     * Edits a document: {@code edit} gets a copy of the content and returns the new content; {@code title} replaces
     * the title when not null.
     *
     * @throws IllegalArgumentException if there is no such document
     */
    public void update(String id, String title, UnaryOperator<ObjectNode> edit) {
        Document d = scriber.find(Document.class, id)
                .orElseThrow(() -> new IllegalArgumentException("no document " + id));
        ObjectNode content = edit == null ? null : edit.apply(d.content().deepCopy());
        synchronized (this) {
            Document.edit(d, title, content, null);
            conflicted.remove(id);
            unsaved.add(id);
            if (isConnected()) {
                record(d);
            } else {
                // Offline: the edit stays on the document, and all edits made until the next connection are
                // recorded as one update.
                emit(new DocEvent(DocEvent.Kind.UPDATED, id, true, null));
            }
        }
    }

    private synchronized void record(Document d) {
        unsaved.remove(d.id());
        scriber.save(d);
    }

    /** Deletes a document (owner only). */
    public void delete(String id) {
        scriber.find(Document.class, id).ifPresent(d -> {
            unsaved.remove(id);
            scriber.destroy(d);
        });
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
        if (conflicted.contains(id)) {
            return DocStatus.CONFLICT;
        }
        if (unsaved.contains(id)) {
            return DocStatus.PENDING;
        }
        ObjectState state = store.object(Document.KLASS, id).orElse(null);
        if (state == null) {
            return DocStatus.SYNCED;
        }
        long mine = 0;
        for (Map.Entry<String, Stamp> e : state.stamps().entrySet()) {
            if (e.getValue().origin().equals(clientId)) {
                mine = Math.max(mine, e.getValue().clock());
            }
        }
        if (state.tombstone() != null && state.tombstone().origin().equals(clientId)) {
            return isConnected() && scriber.client(DocServer.SERVER_ID).sessions().stream()
                    .allMatch(s -> s.pendingRequests() == 0) ? DocStatus.SYNCED : DocStatus.PENDING;
        }
        if (mine == 0) {
            return DocStatus.SYNCED;
        }
        String revision = state.fields().path("revision").asText("");
        long acked = 0;
        int colon = revision.lastIndexOf(':');
        if (colon > 0 && revision.substring(0, colon).equals(clientId)) {
            acked = Long.parseLong(revision.substring(colon + 1));
        }
        Long seen = ackedClocks.get(id);
        if (seen != null) {
            acked = Math.max(acked, seen);
        }
        return acked >= mine ? DocStatus.SYNCED : DocStatus.PENDING;
    }

    private final Map<String, Long> ackedClocks = new ConcurrentHashMap<>();

    /** How many documents have changes the server has not acknowledged. */
    public int pendingCount() {
        int n = 0;
        for (Document d : scriber.all(Document.class)) {
            if (status(d.id()) == DocStatus.PENDING) {
                n++;
            }
        }
        return n;
    }

    /** The underlying Scriber (for tests and tools). */
    public Scriber scriber() {
        return scriber;
    }

    /** Drops the connection on purpose (it reconnects by itself). */
    public void reconnect() {
        connection.reconnect();
    }

    @Override
    public void close() {
        watcher.shutdownNow();
        connection.close();
        // Edits made offline go into the durable log now: the next start uploads them, one update per document.
        for (String id : List.copyOf(unsaved)) {
            scriber.find(Document.class, id).ifPresent(this::record);
        }
        scriber.close();
        store.close();
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
