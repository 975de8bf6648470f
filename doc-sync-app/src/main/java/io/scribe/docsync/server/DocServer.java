package io.scribe.docsync.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Conflict;
import io.scribe.core.Policy;
import io.scribe.core.Resolver;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import io.scribe.docsync.Document;
import io.scribe.docsync.internal.Crypto;
import io.scribe.docsync.internal.Db;
import io.scribe.docsync.patch.Patches;
import io.scribe.docsync.store.SqliteStore;
import io.scribe.transport.netty.ScribeServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The doc-sync server: a Scriber named {@value #SERVER_ID} on a PostgreSQL store (or an embedded SQLite store in a
 * directory), a WebSocket endpoint through {@link ScribeServer}, {@code GET /health}, HMAC authentication of every
 * session, access by owner, and the append-only event log with forward and reverse JSON Patches.
 *
 * <p>Thread-safe. {@link #close()} stops the endpoint, then the Scriber, the store and the tables.
 */
public final class DocServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DocServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String SERVER_ID = "server";
    public static final String VERSION = "0.1.0";
    /** How far a signed timestamp may be from the server's clock. */
    public static final Duration WINDOW = Duration.ofMinutes(5);
    /**
     * The message a client sends to learn how far the server has processed its log: answered with {@code
     * {"cursor": ID}}, the id of the last of the client's scribes the server has stored or refused (null before any).
     */
    public static final String ACKNOWLEDGED = "acknowledged";
    /** {@code {"type":"history","doc":ID}}: answered with {@code {"events":[…]}}, the document's event log. */
    public static final String HISTORY = "history";
    /** {@code {"type":"conflicts"}}: answered with {@code {"conflicts":[…]}}, the user's lost changes. */
    public static final String CONFLICTS = "conflicts";
    private static final Set<String> SERVER_FIELDS = Set.of("version", "revision", "owner", "id");

    private final Config config;
    private final Db db;
    private final Store store;
    private final Scriber scriber;
    private final ScribeServer endpoint;
    private final byte[] masterKey;
    private final Map<String, String> principals;
    private final Map<String, ObjectNode> last = new ConcurrentHashMap<>();
    private final Map<String, Set<String>> sharing = new ConcurrentHashMap<>();
    private final ExecutorService stamper;
    private final Instant started = Instant.now();

    /**
     * Server settings.
     *
     * @param database a {@code postgresql://} Scribe store URL, or null for the embedded SQLite store in {@code dataDir}
     * @param dataDir where the embedded store and the master key file live
     * @param port WebSocket port (0: any free port)
     * @param bind local address to listen on
     * @param clock the clock signatures are checked against
     */
    public record Config(String database, Path dataDir, int port, String bind, Clock clock) {
        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(clock, "clock");
        }

        public static Config of(String database, Path dataDir, int port) {
            return new Config(database, dataDir, port, "127.0.0.1", Clock.systemUTC());
        }
    }

    private DocServer(Config config) {
        this.config = config;
        this.masterKey = Crypto.masterKey(config.dataDir());
        // The Scribe store first: it refuses to open a schema that holds other tables and no store.
        this.store = config.database() != null ? Store.open(config.database())
                : SqliteStore.open(config.dataDir().resolve("server-store.db"));
        this.db = openDb(config);
        this.principals = db.clients();
        this.stamper = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "doc-sync-stamper");
            t.setDaemon(true);
            return t;
        });
        Scriber[] self = new Scriber[1];
        this.scriber = Scriber.builder()
                .clientId(SERVER_ID)
                .store(store)
                .register(Document.class, Policy.<Document>defaults()
                        .withKeyMerge("content")
                        .withResolver(firstWriterWins(SERVER_ID))
                        .withRecipients((doc, clientId) -> canRead(doc, principals.get(clientId)))
                        .withAuthorizer((scribe, clientId) -> authorized(self[0], scribe, principals.get(clientId))))
                .authenticate("auth", this::authenticate)
                .handle(ACKNOWLEDGED, DocServer::acknowledged)
                .handle(HISTORY, this::history)
                .handle(CONFLICTS, (session, m) -> JSON.createObjectNode().set("conflicts",
                        db.conflicts(session.principal().orElseThrow())))
                .onConflict(this::conflict)
                .build();
        self[0] = scriber;
        for (Document d : scriber.all(Document.class)) {
            last.put(d.id(), d.toJson());
        }
        scriber.listen(Document.class, change -> changed(change.type(), change.object(), change.origin()));
        for (Document d : scriber.all(Document.class)) {
            sharing.put(d.id(), Set.copyOf(d.sharedWith()));
        }
        scriber.listen(Document.class, this::sharingChanged);
        this.endpoint = ScribeServer.builder(scriber)
                .bind(config.bind())
                .webSocket(config.port(), "/scribe")
                .httpGet("/health", this::health)
                .start();
    }

    private static Db openDb(Config config) {
        if (config.database() == null) {
            return Db.sqlite(config.dataDir().resolve("server-tables.db"));
        }
        if (!config.database().startsWith("postgresql://")) {
            throw new IllegalArgumentException("--database must be a postgresql:// URL: " + config.database());
        }
        return Db.postgres(config.database());
    }

    /** Starts a server. */
    public static DocServer start(Config config) {
        return new DocServer(config);
    }

    /** The WebSocket URI clients connect to. */
    public URI uri() {
        return endpoint.webSocketUri();
    }

    /** The HTTP base URI ({@code /health}). */
    public URI httpUri() {
        return URI.create("http://" + config.bind() + ":" + endpoint.webSocketAddress().getPort());
    }

    /** The server's tables (credentials, events, documents). */
    public Db db() {
        return db;
    }

    /** The server's Scriber. */
    public Scriber scriber() {
        return scriber;
    }

    /**
     * Creates a credential named {@code name}: returns {@code [apiKey, secret]}. Only the secret encrypted under the
     * master key (AES-256-GCM, the key as associated data) is stored.
     */
    public static String[] createCredential(Db db, byte[] masterKey, String name) {
        String apiKey = Crypto.token("rpa_");
        String secret = Crypto.token("rps_");
        db.addCredential(apiKey, name, Crypto.encrypt(masterKey, secret, apiKey), null);
        return new String[] {apiKey, secret};
    }

    /** Creates a credential in this server's tables; see {@link #createCredential(Db, byte[], String)}. */
    public String[] createCredential(String name) {
        return createCredential(db, masterKey, name);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Authentication

    /**
     * Checks {@code {type:"auth", email, api_key, timestamp, signature}}: the signature is HMAC-SHA256(secret,
     * "timestamp.email.api_key.body") where body is the client's GUID, a dot and the message's nonce; the timestamp (epoch seconds) must be within
     * {@link #WINDOW}; a signature is accepted once.
     */
    private String authenticate(Session session, JsonNode m) {
        String email = m.path("email").asText("");
        String apiKey = m.path("api_key").asText("");
        String signature = m.path("signature").asText("");
        JsonNode ts = m.get("timestamp");
        if (email.isBlank() || !email.contains("@") || apiKey.isBlank() || signature.isBlank() || ts == null
                || !ts.canConvertToLong()) {
            throw new ScribeException(ScribeException.BAD_REQUEST,
                    "auth needs email, api_key, timestamp (epoch seconds) and signature");
        }
        long now = config.clock().instant().getEpochSecond();
        if (Math.abs(now - ts.asLong()) > WINDOW.toSeconds()) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "timestamp outside the allowed window");
        }
        String[] cred = db.credential(apiKey).orElseThrow(() ->
                new ScribeException(ScribeException.UNAUTHENTICATED, "unknown API key"));
        String secret;
        try {
            secret = Crypto.decrypt(masterKey, cred[0], apiKey);
        } catch (java.security.GeneralSecurityException e) {
            log.error("credential {} cannot be decrypted with this master key", apiKey);
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "credential unusable on this server");
        }
        String nonce = m.path("nonce").asText("");
        if (nonce.isEmpty() || nonce.length() > 64) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "auth needs a nonce of 1 to 64 characters");
        }
        String expected = Crypto.sign(secret, ts.asLong(), email, apiKey, session.client().id() + "." + nonce);
        if (!Crypto.constantTimeEquals(expected, signature)) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "bad signature");
        }
        if (!db.useSignature(signature, now, now - 2 * WINDOW.toSeconds())) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "signature already used (replay)");
        }
        if (!db.bindCredential(apiKey, email)) {
            throw new ScribeException(ScribeException.FORBIDDEN, "this API key belongs to another user");
        }
        if (!db.bindClient(session.client().id(), email)) {
            throw new ScribeException(ScribeException.FORBIDDEN,
                    "client " + session.client().id() + " belongs to another user");
        }
        db.ensureUser(email);
        principals.put(session.client().id(), email);
        log.info("client {} authenticated as {}", session.client().id(), email);
        return email;
    }

    /**
     * Users a document is newly shared with do not hold it: the server sends it whole again (to everyone who may see
     * it, live and on catch-up; holders merge the same values).
     */
    private void sharingChanged(io.scribe.core.Change<Document> change) {
        if (change.type() == Scribe.Type.DESTROY) {
            sharing.remove(change.id());
            return;
        }
        Set<String> now = Set.copyOf(change.object().sharedWith());
        Set<String> before = sharing.put(change.id(), now);
        if (change.type() == Scribe.Type.UPDATE && !change.local() && before != null
                && !before.containsAll(now)) {
            stamper.execute(() -> scriber.find(Document.class, change.id()).ifPresent(scriber::republish));
        }
    }

    /** Answers {@link #ACKNOWLEDGED}: this client's cursor, as stored with the scribes it covers. */
    private static JsonNode acknowledged(Session session, JsonNode message) {
        return JSON.createObjectNode().put("cursor", session.client().cursor().orElse(null));
    }

    /**
     * Answers {@link #HISTORY} for a user who may read the document (now, or when it was deleted): its events in
     * order, without other users' lost changes.
     */
    private JsonNode history(Session session, JsonNode message) {
        String who = session.principal().orElseThrow();
        String id = message.path("doc").asText("");
        com.fasterxml.jackson.databind.node.ArrayNode events = db.events(id);
        boolean readable = scriber.find(Document.class, id).map(d -> canRead(d, who)).orElseGet(() -> {
            for (JsonNode e : events) {
                if (e.path("kind").asText().equals("create")) {
                    JsonNode doc = e.path("forward");
                    boolean shared = false;
                    for (JsonNode email : doc.path("sharedWith")) {
                        shared |= who.equals(email.asText());
                    }
                    return shared || who.equals(doc.path("owner").asText());
                }
            }
            return false;
        });
        if (!readable) {
            throw new ScribeException(ScribeException.NOT_FOUND, "no document " + id);
        }
        com.fasterxml.jackson.databind.node.ArrayNode visible = JSON.createArrayNode();
        for (JsonNode e : events) {
            if (!e.path("lost").asBoolean() || who.equals(e.path("author").asText())) {
                visible.add(e);
            }
        }
        return JSON.createObjectNode().set("events", visible);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Access

    private static boolean canRead(Document doc, String who) {
        return who != null && (who.equals(doc.owner()) || doc.sharedWith().contains(who));
    }

    /** Owners create, edit, share and delete their documents; users it is shared with edit title and content. */
    private static boolean authorized(Scriber scriber, Scribe s, String who) {
        if (who == null) {
            return false;
        }
        return switch (s.type()) {
            case CREATE -> who.equals(s.data().path("owner").asText()) && s.data().path("version").asLong() == 0;
            case DESTROY -> scriber.find(Document.class, s.data().path(0).asText())
                    .map(d -> who.equals(d.owner())).orElse(true);
            case UPDATE -> {
                JsonNode fields = s.data().path(1);
                for (Iterator<String> it = fields.fieldNames(); it.hasNext(); ) {
                    if (SERVER_FIELDS.contains(it.next())) {
                        yield false;
                    }
                }
                yield scriber.find(Document.class, s.data().path(0).asText()).map(d -> who.equals(d.owner())
                        || (!fields.has("sharedWith") && d.sharedWith().contains(who))).orElse(true);
            }
        };
    }

    /**
     * At the server, a write that was not based on the current value of a field (its base is older than that value
     * and another peer wrote it) loses: the first write the server accepted stands, the engine corrects the loser
     * and reports a {@link Conflict}. Elsewhere, last writer wins.
     */
    static Resolver firstWriterWins(String serverId) {
        Resolver lww = Resolver.lastWriterWins();
        // A stamp of the server's own re-stamps a value without changing it (a correction, or the document sent
        // again when shared): a write based on the stamp it replaced saw that value.
        Resolver arbiter = (current, incoming) -> (incoming.origin().equals(current.origin())
                || incoming.base() >= current.clock()
                || current.origin().equals(serverId) && current.base() > 0 && incoming.base() >= current.base())
                && lww.replaces(current, incoming);
        return new Resolver() {
            @Override
            public boolean replaces(Stamp current, Stamp incoming) {
                return lww.replaces(current, incoming);
            }

            @Override
            public Resolver on(String peerId) {
                return serverId.equals(peerId) ? arbiter : lww;
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Event log

    private void changed(Scribe.Type type, Document doc, String origin) {
        if (origin.equals(SERVER_ID)) {
            return;
        }
        String author = principals.getOrDefault(origin, "?");
        ObjectNode before = last.get(doc.id());
        long version = before == null ? 1 : before.path("version").asLong() + 1;
        long clock = ownClock(doc.id(), origin);
        String revision = origin + ":" + clock;
        ObjectNode after = null;
        if (type != Scribe.Type.DESTROY) {
            after = doc.toJson();
            after.put("version", version).put("revision", revision);
        }
        Patches.Pair p = Patches.between(before, after);
        String kind = type == Scribe.Type.CREATE ? "create" : type == Scribe.Type.DESTROY ? "delete" : "update";
        db.append(doc.id(), kind, author, origin, version, p.forward(), p.reverse(), false, after);
        if (after == null) {
            last.remove(doc.id());
            return;
        }
        last.put(doc.id(), after);
        // The version and revision are the server's own write, made after this step has been committed.
        stamper.execute(() -> {
            try {
                scriber.find(Document.class, doc.id()).ifPresent(d -> {
                    Document.stamp(d, version, revision);
                    scriber.save(d);
                });
            } catch (RuntimeException e) {
                log.warn("cannot stamp version {} on {}", version, doc.id(), e);
            }
        });
    }

    /** The newest clock {@code origin} wrote into the document, from the stored stamps. */
    private long ownClock(String id, String origin) {
        long max = 0;
        ObjectState state = store.object(Document.KLASS, id).orElse(null);
        if (state != null) {
            for (Stamp st : state.stamps().values()) {
                if (st.origin().equals(origin)) {
                    max = Math.max(max, st.clock());
                }
            }
        }
        return max;
    }

    private void conflict(Conflict c) {
        String origin = c.refused().origin();
        String author = principals.getOrDefault(origin, "?");
        ObjectNode current = last.get(c.id());
        long version = current == null ? 0 : current.path("version").asLong();
        JsonNode forward = JSON.createArrayNode();
        if (current != null) {
            ObjectNode wanted = current.deepCopy();
            c.lost().fields().forEachRemaining(e -> {
                if (e.getKey().equals("content")) {
                    e.getValue().fields().forEachRemaining(k -> {
                        if (k.getValue().isNull()) {
                            wanted.with("content").remove(k.getKey());
                        } else {
                            wanted.with("content").set(k.getKey(), k.getValue());
                        }
                    });
                } else {
                    wanted.set(e.getKey(), e.getValue());
                }
            });
            forward = Patches.diff(current, wanted);
        }
        db.append(c.id(), "conflict", author, origin, version, forward, null, true, null);
        ObjectNode event = JSON.createObjectNode().put("type", "conflict").put("doc", c.id())
                .put("clock", c.refused().clock()).put("version", version);
        event.set("lost", c.lost());
        event.set("kept", c.kept());
        for (Session s : scriber.client(origin).sessions()) {
            s.send(event);
        }
        log.info("conflict on {}: write of {} ({}) lost to the current value", c.id(), author, origin);
    }

    private String health() {
        ObjectNode h = JSON.createObjectNode().put("status", "ok").put("version", VERSION)
                .put("uptimeSeconds", Duration.between(started, Instant.now()).toSeconds())
                .put("connectedClients", scriber.sessions().stream()
                        .filter(s -> s.isOpen() && s.principal().isPresent()).count());
        return h.toString();
    }

    @Override
    public void close() {
        endpoint.close();
        stamper.shutdown();
        try {
            stamper.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        scriber.close();
        store.close();
        db.close();
    }
}
