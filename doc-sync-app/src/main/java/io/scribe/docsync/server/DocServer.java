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
import io.scribe.store.postgres.PostgresStore;
import io.scribe.transport.netty.ScribeServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
    /**
     * {@code {"type":"conflicts"}}: answered with {@code {"conflicts":[…]}}, the user's lost changes, oldest first. With
     * {@code "after": SEQ} only those logged after that {@code seq}, and with {@code "thisClient": true} only those
     * made by the asking client (how a client learns of losses it was not told of while connected).
     */
    public static final String CONFLICTS = "conflicts";
    private static final Set<String> SERVER_FIELDS = Set.of("version", "revision", "owner", "id");

    private final Config config;
    private final Db db;
    private final Store base;
    private final EventStore store;
    private final Scriber scriber;
    private final ScribeServer endpoint;
    private final byte[] masterKey;
    private final Map<String, String> principals;
    /** Deleted documents: who owned them and who could read them (their destroys go to these users only). */
    private final Map<String, Former> former = new ConcurrentHashMap<>();
    /** Writes that lost to a delete and were reported, by {@code origin:clock}, so a re-sent one is not reported again. */
    private final Set<String> lostToDelete = ConcurrentHashMap.newKeySet();
    /** Clients whose older live session is being asked whether it is still there. */
    private final Set<String> probing = ConcurrentHashMap.newKeySet();
    private final Set<Session> loggedIn = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService monitor;
    private final DataLock dataLock;
    /** Who each document is shared with, to notice users newly added (they get the document sent again). */
    private final Map<String, Set<String>> sharing = new ConcurrentHashMap<>();
    /**
     * Users a document was just shared with, until the server has sent it to them whole: the sharing update itself
     * is not pushed to them (they do not hold the document, and would answer it as an unknown object).
     */
    private final Map<String, Set<String>> awaitingDocument = new ConcurrentHashMap<>();
    private final Instant started = Instant.now();

    /** A deleted document's owner and readers (owner and the users it was shared with). */
    private record Former(String owner, Set<String> readers) {}

    /**
     * Server settings.
     *
     * @param database a {@code postgresql://…?schema=S} Scribe store URL (the schema is required), or null for the
     *     embedded SQLite store in {@code dataDir}
     * @param dataDir where the embedded store lives, and the master key file unless {@code masterKeyFile} is given
     * @param port WebSocket port (0: any free port)
     * @param bind local address to listen on
     * @param clock the clock signatures are checked against
     * @param masterKeyFile the master key file, or null: {@code DOC_SYNC_MASTER_KEY} when set, else
     *     {@code dataDir/master.key}
     * @param compactEvery how often the server compacts its Scribe log (see {@code Scriber.Builder.compaction}), or
     *     null for never; documents' versions and the event log are kept regardless
     * @param retention how long a client that stays away holds history back before it gets a snapshot instead
     */
    public record Config(String database, Path dataDir, int port, String bind, Clock clock, Path masterKeyFile,
            java.time.Duration compactEvery, java.time.Duration retention) {
        /** Compaction every hour, for clients seen within 30 days. */
        public static final java.time.Duration COMPACT_EVERY = java.time.Duration.ofHours(1);
        public static final java.time.Duration RETENTION = java.time.Duration.ofDays(30);

        public Config {
            Objects.requireNonNull(dataDir, "dataDir");
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(retention, "retention");
        }

        public Config(String database, Path dataDir, int port, String bind, Clock clock, Path masterKeyFile) {
            this(database, dataDir, port, bind, clock, masterKeyFile, COMPACT_EVERY, RETENTION);
        }

        /** This configuration compacting every {@code every} (null: never) with {@code retention}. */
        public Config withCompaction(java.time.Duration every, java.time.Duration retention) {
            return new Config(database, dataDir, port, bind, clock, masterKeyFile, every, retention);
        }

        public Config(String database, Path dataDir, int port, String bind, Clock clock) {
            this(database, dataDir, port, bind, clock, null);
        }

        public static Config of(String database, Path dataDir, int port) {
            return new Config(database, dataDir, port, "127.0.0.1", Clock.systemUTC(), null);
        }
    }

    private DocServer(Config config) {
        this.config = config;
        if (config.database() != null) {
            requireSchema(config.database());
        }
        this.dataLock = config.database() == null ? DataLock.take(config.dataDir()) : null;
        Store opened = null;
        Db tables = null;
        try {
            // The Scribe store first: it refuses to open a schema that holds other tables and no store.
            opened = config.database() != null ? PostgresStore.connect(config.database())
                    : SqliteStore.open(config.dataDir().resolve("server-store.db"));
            tables = openDb(config);
            this.masterKey = masterKey(config, tables);
        } catch (RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            if (tables != null) {
                tables.close();
            }
            if (dataLock != null) {
                dataLock.close();
            }
            throw e;
        }
        this.base = opened;
        this.db = tables;
        this.store = new EventStore(base, db);
        this.principals = db.clients();
        db.documentRows().forEach((id, row) -> {
            if (row.path("deleted").asBoolean()) {
                former.put(id, new Former(row.path("owner").asText(), readers(row.path("readers"))));
            }
        });
        Scriber[] self = new Scriber[1];
        Scriber.Builder builder = Scriber.builder()
                .clientId(SERVER_ID)
                .store(store)
                .register(Document.class, Policy.<Document>defaults()
                        .withKeyMerge("content")
                        .withResolver(firstWriterWins(SERVER_ID))
                        .withRecipients((doc, clientId) -> sendsTo(doc, principals.get(clientId)))
                        .withFormerRecipients(this::formerReader)
                        .withAuthorizer((scribe, clientId) -> authorized(self[0], scribe, clientId))
                        .withFollowUp(this::applied))
                .authenticate("auth", this::authenticate)
                .handle(ACKNOWLEDGED, DocServer::acknowledged)
                .handle(HISTORY, this::history)
                .handle(CONFLICTS, (session, m) -> JSON.createObjectNode().set("conflicts",
                        db.conflicts(session.principal().orElseThrow(), conflictsAfter(m),
                                thisClientOnly(m) ? session.client().id() : null)))
                .onConflict(this::conflict);
        if (config.compactEvery() != null) {
            // History every client has goes from the Scribe log (versions and events stay in their own tables);
            // a client away for longer than the retention gets a snapshot of its documents when it comes back.
            builder.compaction(config.compactEvery(), config.retention());
        }
        this.scriber = builder.build();
        self[0] = scriber;
        reconcile();
        for (Document d : scriber.all(Document.class)) {
            sharing.put(d.id(), Set.copyOf(d.sharedWith()));
        }
        scriber.listen(Document.class, this::sharingChanged);
        this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "doc-sync-monitor");
            t.setDaemon(true);
            return t;
        });
        monitor.scheduleWithFixedDelay(this::noteDisconnects, 1, 1, TimeUnit.SECONDS);
        try {
            this.endpoint = ScribeServer.builder(scriber)
                    .bind(config.bind())
                    .webSocket(config.port(), "/scribe")
                    .httpGet("/health", this::health)
                    // The web app (built into the jar by esbuild): GET / and its files.
                    .staticResources("io/scribe/docsync/web")
                    .onSession(session -> log.info("connect: client {}", session.client().id()))
                    // An I/O thread waits while a step is stored; the edits that queue up meanwhile, those of one
                    // read per thread, are stored together in the next transaction: more threads, larger batches.
                    .workerThreads(Math.max(16, 4 * Runtime.getRuntime().availableProcessors()))
                    .start();
        } catch (RuntimeException e) {
            monitor.shutdownNow();
            scriber.close();
            store.close();
            db.close();
            if (dataLock != null) {
                dataLock.close();
            }
            throw new IllegalStateException("cannot listen on " + config.bind() + ":" + config.port() + ": "
                    + rootMessage(e), e);
        }
        log.info("doc-sync {} serving {} ({})", VERSION, endpoint.webSocketUri(), config.database() == null
                ? "embedded store in " + config.dataDir().toAbsolutePath() : "PostgreSQL schema "
                + ((PostgresStore) base).schema());
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /**
     * Checks that a PostgreSQL URL names its schema: several servers or apps on one database must not meet in a
     * schema nobody chose.
     *
     * @throws IllegalArgumentException if it does not
     */
    public static void requireSchema(String database) {
        if (!database.startsWith("postgresql://")) {
            throw new IllegalArgumentException("--database must be a postgresql:// URL, got " + database);
        }
        String query = URI.create(database).getRawQuery();
        boolean named = query != null && java.util.Arrays.stream(query.split("&"))
                .anyMatch(kv -> kv.startsWith("schema=") && kv.length() > "schema=".length());
        if (!named) {
            throw new IllegalArgumentException("--database needs a schema: add &schema=NAME (for example "
                    + "postgresql://127.0.0.1:5432/postgres?user=postgres&schema=docsync)");
        }
    }

    private static Db openDb(Config config) {
        if (config.database() == null) {
            return Db.sqlite(config.dataDir().resolve("server-tables.db"));
        }
        return Db.postgres(config.database());
    }

    /**
     * The master key for the server's tables, checked against them: {@code DOC_SYNC_MASTER_KEY} when set, else
     * {@code config.masterKeyFile()}, else {@code dataDir/master.key} (created only while the tables hold no
     * credential). The tables remember a check value of the key that sealed their credentials; another key is refused.
     *
     * @throws IllegalStateException with a one-line explanation if there is no usable key
     */
    public static byte[] masterKey(Config config, Db db) {
        String env = System.getenv(Crypto.MASTER_KEY_ENV);
        byte[] key;
        String source;
        if (env != null && !env.isBlank()) {
            key = Crypto.masterKeyFromEnv(env);
            source = Crypto.MASTER_KEY_ENV;
        } else {
            Path file = config.masterKeyFile() != null ? config.masterKeyFile()
                    : config.dataDir().resolve("master.key");
            source = file.toAbsolutePath().toString();
            boolean sealed = db.meta(KEY_CHECK).isPresent() || db.count("docsync_credentials") > 0;
            if (!java.nio.file.Files.exists(file) && sealed) {
                throw new IllegalStateException("no master key at " + source + ": this database's credentials are"
                        + " sealed with an existing key; give it with --master-key FILE or " + Crypto.MASTER_KEY_ENV);
            }
            if (!java.nio.file.Files.exists(file) && config.masterKeyFile() != null) {
                // A key named on the command line is never made up: a typo would seal the credentials with a key
                // nobody keeps.
                throw new IllegalStateException("no master key file " + source + " (--master-key names a file that"
                        + " does not exist; this database holds no credentials yet, so without --master-key a new key"
                        + " is created at " + config.dataDir().resolve("master.key").toAbsolutePath() + ")");
            }
            key = Crypto.masterKeyFile(file);
        }
        String check = Crypto.keyCheck(key);
        String stored = db.meta(KEY_CHECK).orElse(null);
        if (stored == null) {
            // Tables from before the check: the key must open the credentials they hold.
            for (String[] c : db.credentials()) {
                try {
                    Crypto.decrypt(key, c[1], c[0]);
                } catch (java.security.GeneralSecurityException | RuntimeException e) {
                    throw new IllegalStateException("the master key from " + source + " cannot decrypt the"
                            + " credentials in this database; give the right one with --master-key FILE or "
                            + Crypto.MASTER_KEY_ENV);
                }
                break;
            }
            stored = db.metaIfAbsent(KEY_CHECK, check);
        }
        if (!stored.equals(check)) {
            throw new IllegalStateException("the master key from " + source + " is not the key this database's"
                    + " credentials were sealed with; give the right one with --master-key FILE or "
                    + Crypto.MASTER_KEY_ENV);
        }
        return key;
    }

    static final String KEY_CHECK = "master_key_check";

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

    /** The error code of a client GUID that another live session uses. */
    public static final int IN_USE = 409;
    /** How long an older session of the same client has to answer before it is taken for dead. */
    static final Duration PROBE = Duration.ofSeconds(3);

    /**
     * Checks {@code {type:"auth", email, api_key, timestamp, signature}}: the signature is HMAC-SHA256(secret,
     * "timestamp.email.api_key.body") where body is the client's GUID, a dot and the message's nonce; the timestamp
     * (epoch seconds) must be within {@link #WINDOW}; a signature is accepted once; a client GUID that a live
     * session uses is refused with {@link #IN_USE}.
     */
    private String authenticate(Session session, JsonNode m) {
        String clientId = session.client().id();
        try {
            String email = checkLogin(session, m);
            log.info("login: client {} as {}", clientId, email);
            loggedIn.add(session);
            return email;
        } catch (ScribeException e) {
            log.info("refused: client {} ({} {})", clientId, e.code(), e.getMessage());
            if (e.code() == IN_USE) {
                // The peer retries after a delay instead of holding a session that can do nothing.
                monitor.schedule(session::disconnect, 200, TimeUnit.MILLISECONDS);
            }
            throw e;
        }
    }

    private String checkLogin(Session session, JsonNode m) {
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
        if (cred[2] != null) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "API key revoked");
        }
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
        String clientId = session.client().id();
        String expected = Crypto.sign(secret, ts.asLong(), email, apiKey, clientId + "." + nonce);
        if (!Crypto.constantTimeEquals(expected, signature)) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "bad signature");
        }
        if (!db.useSignature(signature, now, now - 2 * WINDOW.toSeconds())) {
            throw new ScribeException(ScribeException.UNAUTHENTICATED, "signature already used (replay)");
        }
        if (!db.bindCredential(apiKey, email)) {
            throw new ScribeException(ScribeException.FORBIDDEN, "this API key belongs to another user");
        }
        if (!db.bindClient(clientId, email)) {
            throw new ScribeException(ScribeException.FORBIDDEN, "client " + clientId + " belongs to another user");
        }
        synchronized (this) {
            // One live session per client GUID: two processes with one GUID (a copied data directory) would
            // otherwise take the session from each other for ever.
            for (Session other : session.client().sessions()) {
                if (other != session && other.isOpen() && other.principal().isPresent()) {
                    probe(other);
                    throw new ScribeException(IN_USE, "client id " + clientId + " is in use by another live session"
                            + "; if this data directory was copied from another machine, run reset-identity on"
                            + " this copy to give it a new client id (its pending edits are kept)");
                }
            }
            db.ensureUser(email);
            principals.put(clientId, email);
        }
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
            // Listeners run before the step is relayed: the users added here do not get the sharing update, only
            // the whole document, sent (under the engine's lock, so nothing of it is pushed in between) next.
            Set<String> added = awaitingDocument.computeIfAbsent(change.id(), k -> ConcurrentHashMap.newKeySet());
            now.stream().filter(who -> !before.contains(who)).forEach(added::add);
            monitor.execute(() -> scriber.atomically(() -> {
                awaitingDocument.remove(change.id());
                scriber.find(Document.class, change.id()).ifPresent(scriber::republish);
            }));
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

    /** Asks an older session whether it is still there; one that does not answer within {@link #PROBE} is closed. */
    private void probe(Session older) {
        String clientId = older.client().id();
        if (!probing.add(clientId)) {
            return;
        }
        older.noop().orTimeout(PROBE.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, e) -> {
            probing.remove(clientId);
            if (e != null && older.isOpen()) {
                log.info("disconnect: client {} did not answer within {}; its session is closed", clientId, PROBE);
                older.disconnect();
            }
        });
    }

    /** Logs the authenticated sessions that closed since the last look. */
    private void noteDisconnects() {
        for (Session s : loggedIn) {
            if (!s.isOpen() && loggedIn.remove(s)) {
                log.info("disconnect: client {} ({})", s.client().id(), s.principal().orElse("?"));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Access

    /** Whether a scribe of {@code doc} is pushed to {@code who}: a reader who holds it (see {@link #sharingChanged}). */
    private boolean sendsTo(Document doc, String who) {
        if (!canRead(doc, who)) {
            return false;
        }
        Set<String> awaiting = awaitingDocument.get(doc.id());
        return awaiting == null || !awaiting.contains(who);
    }

    private static boolean canRead(Document doc, String who) {
        return who != null && (who.equals(doc.owner()) || doc.isSharedWith(who));
    }

    private boolean formerReader(String docId, String clientId) {
        Former f = former(docId);
        String who = principals.get(clientId);
        return f != null && who != null && f.readers().contains(who);
    }

    /**
     * A deleted document's owner and readers: remembered from this server's deletes and start, else read from the
     * documents table (another server sharing the database may have deleted it).
     */
    private Former former(String docId) {
        Former known = former.get(docId);
        if (known != null) {
            return known;
        }
        ObjectNode row = db.documentRow(docId).orElse(null);
        if (row == null || !row.path("deleted").asBoolean()) {
            return null;
        }
        Former f = new Former(row.path("owner").asText(), readers(row.path("readers")));
        former.put(docId, f);
        return f;
    }

    private static Set<String> readers(JsonNode doc) {
        Set<String> out = new java.util.LinkedHashSet<>();
        if (doc == null) {
            return out;
        }
        if (doc.isArray()) {
            doc.forEach(n -> out.add(n.asText()));
            return out;
        }
        out.add(doc.path("owner").asText());
        doc.path("sharedWith").forEach(n -> out.add(n.asText()));
        return out;
    }

    /**
     * Owners create, edit, share and delete their documents; users it is shared with edit title and content. A
     * create is refused for an identity that exists or existed unless its owner sends it (the refusal says nothing
     * about that document); a write of {@code id}, {@code owner}, {@code version} or {@code revision} is refused.
     */
    private boolean authorized(Scriber scriber, Scribe s, String clientId) {
        String who = principals.get(clientId);
        if (who == null) {
            return false;
        }
        return switch (s.type()) {
            case CREATE -> {
                JsonNode data = s.data();
                String id = data.path("id").asText("");
                if (!who.equals(data.path("owner").asText()) || data.path("version").asLong() != 0) {
                    yield false;
                }
                Optional<Document> live = scriber.find(Document.class, id);
                if (live.isPresent()) {
                    yield who.equals(live.get().owner());
                }
                Former gone = former(id);
                yield gone == null || who.equals(gone.owner());
            }
            case DESTROY -> {
                String id = s.data().path(0).asText();
                Optional<Document> live = scriber.find(Document.class, id);
                if (live.isPresent()) {
                    yield who.equals(live.get().owner());
                }
                Former gone = former(id);
                yield gone == null || gone.readers().contains(who);
            }
            case UPDATE -> {
                JsonNode fields = s.data().path(1);
                for (Iterator<String> it = fields.fieldNames(); it.hasNext(); ) {
                    if (SERVER_FIELDS.contains(it.next())) {
                        yield false;
                    }
                }
                String id = s.data().path(0).asText();
                Optional<Document> live = scriber.find(Document.class, id);
                if (live.isPresent()) {
                    Document d = live.get();
                    yield who.equals(d.owner()) || (!fields.has("sharedWith") && d.isSharedWith(who));
                }
                Former gone = former(id);
                if (gone != null && gone.readers().contains(who)) {
                    lostToDelete(s, id, who);
                    yield true;
                }
                yield gone == null;
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
        // again when shared): a write based on the stamp it replaced saw that value, and replaces it even when it
        // is older than the re-stamp (made offline before the document was shared, say); the engine then
        // re-asserts it above the re-stamp, so that the clients, which apply last writer wins, take it too.
        Resolver arbiter = (current, incoming) -> current.origin().equals(serverId) && current.base() > 0
                && !incoming.origin().equals(serverId) && incoming.base() >= current.base()
                || (incoming.origin().equals(current.origin()) || incoming.base() >= current.clock())
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

    /**
     * Called by the engine, in the step that applied a client's write: stages the event row (stored in the same
     * transaction as the write, see {@link EventStore}) and returns the version and revision the server stamps, which
     * the engine writes in that same step.
     */
    private ObjectNode applied(ObjectState before, ObjectState after, Scribe write) {
        String origin = write.origin();
        String author = principals.getOrDefault(origin, "?");
        ObjectNode b = before == null || before.destroyed() ? null : docJson(before.fields());
        long version = (b == null ? 0 : b.path("version").asLong()) + 1;
        String docId = after != null ? after.id() : before.id();
        if (after == null) {
            store.stage(write, new Db.Event(docId, "delete", author, origin, version, null, b, false, null,
                    readersJson(b)));
            return null;
        }
        long clock = write.clock();
        for (Stamp st : after.stamps().values()) {
            if (st.origin().equals(origin)) {
                clock = Math.max(clock, st.clock());
            }
        }
        String revision = origin + ":" + clock;
        ObjectNode a = docJson(after.fields());
        a.put("version", version).put("revision", revision);
        Patches.Pair p = Patches.between(b, a);
        store.stage(write, new Db.Event(docId, b == null ? "create" : "update", author, origin, version,
                p.forward(), p.reverse(), false, a, readersJson(a)));
        return JSON.createObjectNode().put("version", version).put("revision", revision);
    }

    /** A document's stored fields in the shape of {@link Document#toJson()}, absent fields filled in. */
    private static ObjectNode docJson(ObjectNode fields) {
        ObjectNode n = JSON.createObjectNode();
        n.set("id", fields.path("id").deepCopy());
        n.set("owner", fields.has("owner") ? fields.get("owner").deepCopy() : JSON.nullNode());
        n.set("title", fields.has("title") ? fields.get("title").deepCopy() : JSON.nullNode());
        n.set("content", fields.path("content").isObject() ? fields.get("content").deepCopy()
                : JSON.createObjectNode());
        n.put("version", fields.path("version").asLong());
        n.set("revision", fields.has("revision") ? fields.get("revision").deepCopy() : JSON.nullNode());
        n.set("sharedWith", fields.path("sharedWith").isArray() ? fields.get("sharedWith").deepCopy()
                : JSON.createArrayNode());
        return n;
    }

    private static JsonNode readersJson(JsonNode doc) {
        com.fasterxml.jackson.databind.node.ArrayNode out = JSON.createArrayNode();
        readers(doc).forEach(out::add);
        return out;
    }

    /** After a commit: remembers who may still receive the destroys of documents deleted in it. */
    void committed(java.util.List<Db.Event> events) {
        for (Db.Event e : events) {
            if (e.kind().equals("delete") && e.reverse() != null) {
                former.put(e.docId(), new Former(e.reverse().path("owner").asText(), readers(e.readers())));
            }
        }
    }

    /**
     * Brings the documents table up to the store after a crash between the two (only possible with the embedded
     * store, whose tables live in another file): a document the store holds at a newer version gets one event from
     * the table's version to the store's.
     */
    private void reconcile() {
        Map<String, ObjectNode> rows = db.documentRows();
        java.util.List<Db.Event> repairs = new java.util.ArrayList<>();
        for (Document d : scriber.all(Document.class)) {
            ObjectNode row = rows.get(d.id());
            long at = row == null ? 0 : row.path("version").asLong();
            if (d.version() > at) {
                ObjectNode was = row == null ? null : JSON.createObjectNode();
                if (was != null) {
                    was.put("id", d.id()).put("owner", row.path("owner").asText()).put("title",
                            row.path("title").asText(null));
                    was.set("content", row.get("content"));
                    was.put("version", at).put("revision", row.path("revision").asText(null));
                    was.set("sharedWith", d.toJson().get("sharedWith"));
                }
                ObjectNode now = d.toJson();
                Patches.Pair p = Patches.between(was, now);
                String rev = d.revision() == null ? "?" : d.revision();
                String origin = rev.contains(":") ? rev.substring(0, rev.lastIndexOf(':')) : rev;
                repairs.add(new Db.Event(d.id(), was == null ? "create" : "update",
                        principals.getOrDefault(origin, "?"), origin, d.version(), p.forward(), p.reverse(), false,
                        now, readersJson(now)));
                log.warn("document {} was at version {} in the event log and {} in the store: logged the"
                        + " difference as one event", d.id(), at, d.version());
            }
        }
        if (!repairs.isEmpty()) {
            db.writeEvents(repairs, false);
        }
    }

    /** The {@code after} of a {@code conflicts} message: a non-negative whole number, or 0 when absent. */
    private static long conflictsAfter(JsonNode m) {
        JsonNode after = m.path("after");
        if (after.isMissingNode() || after.isNull()) {
            return 0;
        }
        if (!after.canConvertToExactIntegral() || !after.canConvertToLong() || after.asLong() < 0) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "conflicts: after must be a non-negative"
                    + " whole number (a seq), not " + after);
        }
        return after.asLong();
    }

    /** The {@code thisClient} of a {@code conflicts} message: a boolean, false when absent. */
    private static boolean thisClientOnly(JsonNode m) {
        JsonNode only = m.path("thisClient");
        if (only.isMissingNode() || only.isNull()) {
            return false;
        }
        if (!only.isBoolean()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "conflicts: thisClient must be true or false,"
                    + " not " + only);
        }
        return only.asBoolean();
    }

    private void conflict(Conflict c) {
        if (c.lostBy(scriber.id())) {
            // A write of the server's own that a client's concurrent write replaced: nobody to tell.
            return;
        }
        String origin = c.scribe().origin();
        String author = principals.getOrDefault(origin, "?");
        Document doc = c.object() instanceof Document d ? d : null;
        long version = doc == null ? 0 : doc.version();
        JsonNode forward = JSON.createArrayNode();
        if (doc != null) {
            ObjectNode current = doc.toJson();
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
        long seq = db.logLost(new Db.Event(c.id(), "conflict", author, origin, version, forward, null, true, null,
                null));
        if (doc == null || !canRead(doc, author)) {
            // Nothing about a document goes to someone who may not read it.
            log.info("conflict on {}: write of {} ({}) refused", c.id(), author, origin);
            return;
        }
        ObjectNode event = JSON.createObjectNode().put("type", "conflict").put("doc", c.id()).put("seq", seq)
                .put("clock", c.scribe().clock()).put("version", version);
        event.set("lost", c.lost());
        event.set("kept", c.kept());
        for (Session s : scriber.client(origin).sessions()) {
            s.send(event);
        }
        log.info("conflict on {}: write of {} ({}) lost to the current value", c.id(), author, origin);
    }

    /**
     * A write to a document its author could read but that was deleted meanwhile: logged as a lost change and
     * reported to its author as a conflict with nothing kept.
     */
    private void lostToDelete(Scribe s, String docId, String author) {
        if (!lostToDelete.add(s.origin() + ":" + s.clock() + ":" + docId)) {
            return;
        }
        JsonNode lost = s.data().path(1);
        long seq = db.logLost(new Db.Event(docId, "conflict", author, s.origin(), 0, wantedBy(lost), null, true,
                null, null));
        ObjectNode event = JSON.createObjectNode().put("type", "conflict").put("doc", docId).put("seq", seq)
                .put("clock", s.clock()).put("version", 0).put("deleted", true);
        event.set("lost", lost);
        event.putNull("kept");
        for (Session session : scriber.client(s.origin()).sessions()) {
            session.send(event);
        }
        log.info("conflict on {}: write of {} ({}) lost to a delete", docId, author, s.origin());
    }

    /**
     * What a write to a deleted document wanted, as the JSON Patch its conflict row keeps (so that {@code conflicts}
     * shows the lost values): a {@code replace} of each field it set, and of each content key it set, or a
     * {@code remove} of each content key it removed (the write's content is a merge patch).
     */
    /** {@code name} as one token of a JSON Pointer (RFC 6901: {@code ~} and {@code /} escaped). */
    private static String pointerToken(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }

    static JsonNode wantedBy(JsonNode fields) {
        com.fasterxml.jackson.databind.node.ArrayNode ops = JSON.createArrayNode();
        fields.fields().forEachRemaining(f -> {
            if (f.getKey().equals("content") && f.getValue().isObject()) {
                f.getValue().fields().forEachRemaining(k -> {
                    String path = "/content/" + pointerToken(k.getKey());
                    if (k.getValue().isNull()) {
                        ops.addObject().put("op", "remove").put("path", path);
                    } else {
                        ops.addObject().put("op", "replace").put("path", path).set("value", k.getValue());
                    }
                });
            } else {
                String path = "/" + pointerToken(f.getKey());
                ops.addObject().put("op", "replace").put("path", path).set("value", f.getValue());
            }
        });
        return ops;
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
        monitor.shutdownNow();
        scriber.close();
        store.close();
        db.close();
        if (dataLock != null) {
            dataLock.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * The server's store: the Scribe store, whose commits also write the event rows the engine's follow-up staged
     * for them (on PostgreSQL in the same transaction; with the embedded store right after, repaired at start if a
     * crash fell in between).
     */
    private final class EventStore extends io.scribe.core.spi.ForwardingStore {
        private final Db tables;
        private final java.util.List<Object[]> staged = new java.util.ArrayList<>();

        EventStore(Store delegate, Db tables) {
            super(delegate);
            this.tables = tables;
        }

        /** Called under the engine's lock by the follow-up of {@code write}. */
        void stage(Scribe write, Db.Event event) {
            staged.add(new Object[] {write.origin() + "@" + write.clock(), event});
        }

        @Override
        public java.util.List<Scribe> commit(io.scribe.core.spi.Commit commit) {
            java.util.List<Db.Event> events = new java.util.ArrayList<>();
            if (!staged.isEmpty()) {
                Set<String> writes = new java.util.HashSet<>();
                for (Scribe s : commit.scribes()) {
                    writes.add(s.origin() + "@" + s.clock());
                }
                // A step played again (after one of its scribes failed) stages its rows again: the last count.
                Map<String, Db.Event> latest = new java.util.LinkedHashMap<>();
                for (Object[] st : staged) {
                    if (writes.contains((String) st[0])) {
                        latest.remove((String) st[0]);
                        latest.put((String) st[0], (Db.Event) st[1]);
                    }
                }
                events.addAll(latest.values());
                // Rows of writes that were not committed after all (a refused or failed step) are dropped.
                staged.clear();
            }
            java.util.List<Scribe> stored;
            if (delegate instanceof PostgresStore pg) {
                stored = pg.commit(commit, events.isEmpty() ? null
                        : (connection, appended) -> tables.writeEvents(connection, events, true));
            } else {
                stored = delegate.commit(commit);
                if (!events.isEmpty()) {
                    try {
                        tables.writeEvents(events, false);
                    } catch (RuntimeException e) {
                        log.error("event log behind the store ({}); repaired at the next start", e.getMessage());
                    }
                }
            }
            committed(events);
            return stored;
        }
    }

    /** An exclusive lock on an embedded data directory: one server per directory. */
    private static final class DataLock implements AutoCloseable {
        private final java.nio.channels.FileChannel channel;
        private final java.nio.channels.FileLock lock;

        private DataLock(java.nio.channels.FileChannel channel, java.nio.channels.FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static DataLock take(Path dir) {
            try {
                java.nio.file.Files.createDirectories(dir);
                java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(dir.resolve("server.lock"),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileLock l;
                try {
                    l = ch.tryLock();
                } catch (java.nio.channels.OverlappingFileLockException e) {
                    l = null;
                }
                if (l == null) {
                    ch.close();
                    throw new IllegalStateException("another doc-sync server is using " + dir.toAbsolutePath()
                            + "; one server per data directory (several servers share a PostgreSQL database)");
                }
                return new DataLock(ch, l);
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot lock " + dir.toAbsolutePath() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            try {
                lock.release();
                channel.close();
            } catch (java.io.IOException e) {
                log.debug("releasing the data directory lock failed", e);
            }
        }
    }
}
