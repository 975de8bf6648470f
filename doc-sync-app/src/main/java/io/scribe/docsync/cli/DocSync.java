package io.scribe.docsync.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.Store;
import io.scribe.docsync.Document;
import io.scribe.docsync.client.DocClient;
import io.scribe.docsync.client.DocEvent;
import io.scribe.docsync.internal.Crypto;
import io.scribe.docsync.internal.Db;
import io.scribe.docsync.server.DocServer;
import io.scribe.transport.netty.Backoff;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code doc-sync} command: {@code serve}, {@code credentials create}, {@code client}. */
@Command(name = "doc-sync", mixinStandardHelpOptions = true, version = DocServer.VERSION,
        description = "JSON documents synced through one server, built on Scribe.",
        subcommands = {DocSync.Serve.class, DocSync.Credentials.class, DocSync.TaskClient.class})
public final class DocSync implements Runnable {

    static final ObjectMapper JSON = new ObjectMapper();

    /** The {@code format} of the file {@code export} writes and {@code import} reads. */
    static final String EXPORT_FORMAT = "doc-sync-export";

    public static void main(String[] args) {
        if (Runtime.version().feature() >= 24 && System.getProperty("io.netty.noUnsafe") == null) {
            // JDK 24+ warns on every use of sun.misc.Unsafe's memory access, which Netty 4.1 makes by default.
            System.setProperty("io.netty.noUnsafe", "true");
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line with doc-sync's error handling: a bad flag or a failure prints one line on standard error
     * ({@code doc-sync: …}), never a stack trace; exit code 2 for bad usage, 1 for a failure.
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new DocSync());
        cl.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("doc-sync: " + oneLine(e.getMessage()) + " (see "
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("doc-sync: " + describe(e));
            return 1;
        });
        return cl;
    }

    /** A failure as one line: its message and, when it adds something, its root cause's. */
    static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String rootMessage = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        if (root != e && !message.contains(rootMessage)) {
            message = message + ": " + rootMessage;
        }
        return oneLine(message);
    }

    /** One line, without Java class names of exceptions ({@code java.net.BindException: }). */
    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ")
                .replaceAll("\\b(?:[a-z][a-z0-9_]*\\.)+[A-Z]\\w*(?:Exception|Error)(?:: )?", "").strip();
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Without a command: says so, with the usage, and exits 2 (as any other missing argument). */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "a command is required: serve, credentials or client");
    }

    /** Options shared by the commands that open the server's data. */
    static class ServerData {
        @Option(names = "--database", defaultValue = "${env:DOC_SYNC_DATABASE}",
                description = "postgresql://HOST:PORT/DB?user=U&schema=S (schema required); none: an embedded store"
                        + " in --data (env DOC_SYNC_DATABASE)")
        String database;

        @Option(names = "--data", defaultValue = "${env:DOC_SYNC_DATA:-doc-sync-data}",
                description = "directory of the embedded store and of master.key (env DOC_SYNC_DATA), default "
                        + "${DEFAULT-VALUE}")
        Path data;

        @Option(names = "--master-key", defaultValue = "${env:DOC_SYNC_MASTER_KEY_FILE}",
                description = "file holding the master key (base64 of 32 bytes; env DOC_SYNC_MASTER_KEY_FILE, or the"
                        + " key itself in DOC_SYNC_MASTER_KEY); default: master.key in --data, created for a new"
                        + " database")
        Path masterKey;

        DocServer.Config config(int port, String bind) {
            return new DocServer.Config(database, data, port, bind, java.time.Clock.systemUTC(), masterKey);
        }

        /** Opens the server's tables (creating the store's schema first) and checks the master key against them. */
        Db open(byte[][] key) {
            if (database != null) {
                DocServer.requireSchema(database);
                // The Scribe store's schema must exist before the app's tables are added beside it.
                try (Store store = Store.open(database)) {
                    store.lastId();
                } catch (RuntimeException e) {
                    throw new IllegalStateException("cannot open " + database + ": " + describe(e), e);
                }
            }
            if (database == null) {
                try {
                    java.nio.file.Files.createDirectories(data);
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("cannot create " + data.toAbsolutePath() + ": " + e.getMessage(), e);
                }
            }
            Db db = database == null ? Db.sqlite(data.resolve("server-tables.db")) : Db.postgres(database);
            try {
                key[0] = DocServer.masterKey(config(0, "127.0.0.1"), db);
                return db;
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
        }
    }

    /**
     * A command on the server's tables: opens them with the master key checked against them, runs, closes them. A
     * failure goes to the command line's execution exception handler, which prints it as one line ({@link
     * #describe}) and exits with 1.
     */
    abstract static class TablesCommand implements Callable<Integer> {
        @CommandLine.Mixin
        ServerData data = new ServerData();

        /** What the command does with the open tables and the master key that seals their secrets. */
        abstract void run(Db db, byte[] masterKey) throws Exception;

        @Override
        public Integer call() throws Exception {
            byte[][] key = new byte[1][];
            try (Db db = data.open(key)) {
                run(db, key[0]);
            }
            return 0;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Runs the server: WebSocket at /scribe, GET /health.")
    static final class Serve implements Callable<Integer> {
        @CommandLine.Mixin
        ServerData data = new ServerData();

        @Option(names = "--port", defaultValue = "${env:DOC_SYNC_PORT:-8787}", description = "default ${DEFAULT-VALUE}")
        int port;

        @Option(names = "--bind", defaultValue = "${env:DOC_SYNC_BIND:-127.0.0.1}",
                description = "address to listen on, default ${DEFAULT-VALUE}")
        String bind;

        @Option(names = "--compact-every", defaultValue = "${env:DOC_SYNC_COMPACT_EVERY:-1h}",
                converter = DurationConverter.class,
                description = "how often the server compacts its sync log (e.g. 30m, 1h; 0: never), default"
                        + " ${DEFAULT-VALUE}; document versions and the event log are always kept")
        Duration compactEvery;

        @Option(names = "--retention", defaultValue = "${env:DOC_SYNC_RETENTION:-30d}",
                converter = DurationConverter.class,
                description = "how long a client that stays away holds the log back; one away longer gets a"
                        + " snapshot of its documents when it returns, and its offline edits still upload; default"
                        + " ${DEFAULT-VALUE}")
        Duration retention;

        @Override
        public Integer call() throws Exception {
            DocServer server = DocServer.start(data.config(port, bind)
                    .withCompaction(compactEvery.isZero() ? null : compactEvery, retention));
            System.out.println("doc-sync " + DocServer.VERSION + " serving " + server.uri() + " ("
                    + (data.database == null ? "embedded store in " + data.data.toAbsolutePath() : "PostgreSQL")
                    + "), health at " + server.httpUri() + "/health");
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stop.countDown();
            }));
            stop.await();
            return 0;
        }
    }

    /** Reads a duration as a number and a unit: {@code 500ms}, {@code 30s}, {@code 15m}, {@code 1h}, {@code 30d}. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(value.trim());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration such as 500ms, 30s,"
                        + " 15m, 1h or 30d");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
    }

    @Command(name = "credentials", mixinStandardHelpOptions = true, description = "Manages API credentials.",
            subcommands = {Create.class, ListCredentials.class, Revoke.class, Rotate.class})
    static final class Credentials implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "a command is required: create, list, revoke or rotate");
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Creates an API key and secret; the secret is shown only once.")
    static final class Create extends TablesCommand {
        @Option(names = "--name", required = true, description = "what the credential is for")
        String name;

        @Override
        void run(Db db, byte[] masterKey) {
            String[] c = DocServer.createCredential(db, masterKey, name);
            printSecret(c[0], c[1]);
        }
    }

    private static void printSecret(String apiKey, String secret) {
        System.out.println("api key: " + apiKey);
        System.out.println("secret:  " + secret);
        System.out.println("The secret is not stored and cannot be shown again.");
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the credentials: key, name, bound user, created, revoked (never the secrets).")
    static final class ListCredentials extends TablesCommand {
        @Override
        void run(Db db, byte[] masterKey) {
            List<String[]> all = db.credentials();
            for (String[] c : all) {
                System.out.println(c[0] + "  " + c[2] + "  " + (c[3] == null ? "(unused)" : c[3]) + "  created "
                        + c[4] + (c[5] == null ? "" : "  REVOKED " + c[5]));
            }
            System.out.println(all.size() + " credential" + (all.size() == 1 ? "" : "s"));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revokes an API key: new logins with it are refused (sessions already open stay open).")
    static final class Revoke extends TablesCommand {
        @CommandLine.Parameters(paramLabel = "API_KEY", description = "the rpa_… key")
        String apiKey;

        @Override
        void run(Db db, byte[] masterKey) {
            if (!db.revokeCredential(apiKey)) {
                throw new IllegalArgumentException("no credential " + apiKey);
            }
            System.out.println("revoked " + apiKey);
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Gives an API key a new secret (shown once); the old secret stops working.")
    static final class Rotate extends TablesCommand {
        @CommandLine.Parameters(paramLabel = "API_KEY", description = "the rpa_… key")
        String apiKey;

        @Override
        void run(Db db, byte[] masterKey) {
            String secret = Crypto.token("rps_");
            if (!db.resealCredential(apiKey, Crypto.encrypt(masterKey, secret, apiKey))) {
                throw new IllegalArgumentException("no credential " + apiKey);
            }
            printSecret(apiKey, secret);
        }
    }

    @Command(name = "client", mixinStandardHelpOptions = true,
            description = {"Interactive task manager: reads commands from standard input (type help).",
                    "",
                    "The secret is taken from --secret-file FILE, else DOC_SYNC_SECRET, else --secret (visible to "
                            + "other users in ps), else asked for on the terminal.",
                    "Exit code: 0; 1 when a wait did not end synced or the input failed; 2 for bad flags; 3 when "
                            + "the server refused the credentials or this client's identity."},
            footer = {"", "Every edit is stored locally before the command answers: Ctrl-C, a kill or a crash loses "
                    + "nothing, and a restarted client uploads what the server has not acknowledged."})
    static final class TaskClient implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--server", defaultValue = "${env:DOC_SYNC_SERVER:-ws://127.0.0.1:8787/scribe}",
                description = "ws:// or wss:// URL of the server (env DOC_SYNC_SERVER), default ${DEFAULT-VALUE}")
        URI server;

        @Option(names = "--email", defaultValue = "${env:DOC_SYNC_EMAIL}", required = true,
                description = "your email (env DOC_SYNC_EMAIL)")
        String email;

        @Option(names = "--key", defaultValue = "${env:DOC_SYNC_API_KEY}", required = true,
                description = "API key rpa_… (env DOC_SYNC_API_KEY)")
        String apiKey;

        @Option(names = "--secret", defaultValue = "${env:DOC_SYNC_SECRET}",
                description = "secret rps_… (env DOC_SYNC_SECRET; prefer the variable or --secret-file: a flag "
                        + "shows in ps)")
        String secret;

        @Option(names = "--secret-file", defaultValue = "${env:DOC_SYNC_SECRET_FILE}",
                description = "file holding the secret (env DOC_SYNC_SECRET_FILE)")
        Path secretFile;

        @Option(names = "--data", defaultValue = "${env:DOC_SYNC_CLIENT_DATA:-doc-sync-client}",
                description = "local store directory (env DOC_SYNC_CLIENT_DATA), default ${DEFAULT-VALUE}")
        Path data;

        @Option(names = "--quiet-events", description = "do not print events")
        boolean quiet;

        @Option(names = "--reset-identity", description = "give this data directory a new client identity before "
                + "starting (for a copy of another client's directory; its pending edits are kept and uploaded)")
        boolean resetIdentity;

        @Override
        public Integer call() throws Exception {
            String scheme = server.getScheme() == null ? "" : server.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!scheme.equals("ws") && !scheme.equals("wss") || server.getHost() == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--server must be a ws:// or wss:// "
                        + "URL such as ws://127.0.0.1:8787/scribe, not " + server);
            }
            String theSecret = secret();
            PrintStream out = System.out;
            if (resetIdentity) {
                out.println("new identity " + DocClient.resetIdentity(data) + " (pending edits kept)");
            }
            boolean failed = false;
            while (true) {
                DocClient client = DocClient.start(new DocClient.Options(server, email, apiKey, theSecret, data,
                        Backoff.DEFAULT));
                // Every change is stored when its command answers; closing on Ctrl-C or SIGTERM only ends cleanly.
                Thread hook = new Thread(client::close, "doc-sync-client-close");
                Runtime.getRuntime().addShutdownHook(hook);
                boolean reset;
                // The refusal is told once, whichever comes first: the event, or the end of the input.
                java.util.concurrent.atomic.AtomicBoolean refusalTold = new java.util.concurrent.atomic.AtomicBoolean();
                try {
                    client.onEvent(e -> {
                        if (!quiet) {
                            out.println("<< " + Tasks.describe(client, e));
                        } else if (e.kind() == DocEvent.Kind.PROGRESS) {
                            // Quiet keeps standard output for answers; a long wait is still explained.
                            System.err.println("doc-sync: " + Tasks.describe(client, e));
                        }
                        if (e.kind() == DocEvent.Kind.ERROR && client.authError().isPresent()
                                && refusalTold.compareAndSet(false, true)) {
                            System.err.println("doc-sync: the server refused this client: "
                                    + client.authError().get());
                            // Not on the event thread: closing the client waits for it.
                            new Thread(() -> System.exit(3), "doc-sync-exit").start();
                        }
                    });
                    out.println("doc-sync client " + client.clientId() + " for " + email + " (type help)");
                    Tasks tasks = new Tasks(client, out);
                    reset = tasks.loop(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
                    failed |= tasks.failed();
                    if (client.authError().isPresent()) {
                        if (refusalTold.compareAndSet(false, true)) {
                            System.err.println("doc-sync: the server refused this client: " + client.authError().get());
                        }
                        return 3;
                    }
                } finally {
                    client.close();
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook is running or has run
                    }
                }
                if (!reset) {
                    return failed ? 1 : 0;
                }
                out.println("new identity " + DocClient.resetIdentity(data) + " (pending edits kept)");
            }
        }

        /** The secret from --secret-file, DOC_SYNC_SECRET or --secret, or the terminal. */
        private String secret() throws java.io.IOException {
            if (secretFile != null) {
                if (!java.nio.file.Files.isReadable(secretFile)) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--secret-file " + secretFile + " cannot be read");
                }
                String s = java.nio.file.Files.readString(secretFile).strip();
                if (s.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--secret-file " + secretFile
                            + " is empty");
                }
                return s;
            }
            if (secret != null && !secret.isBlank()) {
                return secret.strip();
            }
            java.io.Console console = System.console();
            if (console != null) {
                char[] typed = console.readPassword("secret for %s: ", apiKey);
                if (typed != null && typed.length > 0) {
                    return new String(typed).strip();
                }
            }
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "no secret: give --secret-file FILE, set DOC_SYNC_SECRET, or run on a terminal to be asked");
        }
    }

    /** The task manager's commands over a {@link DocClient}; tasks are documents {priority, tags, done}. */
    public static final class Tasks {
        /** How long {@code wait} waits by default. */
        static final Duration WAIT = Duration.ofSeconds(30);

        /** The line the task manager prints for an event of {@code client} (after {@code << }). */
        public static String describe(DocClient client, DocEvent e) {
            String origin = e.local() ? "local" : "remote";
            return switch (e.kind()) {
                case CREATED, UPDATED, DELETED -> e.kind().name().toLowerCase() + " "
                        + (e.docId() == null ? "" : e.docId().substring(0, 8)) + " ("
                        + origin + ")" + client.get(e.docId()).map(d -> ": " + d.title()).orElse("");
                case CONFLICT -> e.detail().has("kept")
                        ? "conflict on " + e.docId().substring(0, 8) + ": the server kept " + e.detail().path("kept")
                        : "conflict on " + e.docId().substring(0, 8) + ": a change made here lost while this client"
                                + " was away (restore #" + e.detail().path("seq").asLong() + " applies it again)";
                case CONNECTION_CHANGED -> e.detail().asBoolean() ? "connected" : "disconnected";
                case SYNC_COMPLETED -> "sync completed";
                case ERROR -> "error: " + e.detail().asText();
                case PROGRESS -> "catch-up".equals(e.detail().path("phase").asText())
                        ? "catching up: " + e.detail().path("received").asLong() + " changes received so far"
                        : "uploading: " + e.detail().path("acknowledged").asInt() + " of "
                                + e.detail().path("of").asInt() + " local changes acknowledged";
            };
        }

        private final DocClient client;
        private final PrintStream out;
        private int refusalsSeen;
        private boolean failed;

        public Tasks(DocClient client, PrintStream out) {
            this.client = client;
            this.out = out;
        }

        /** Whether a {@code wait} ended without everything synced. */
        public boolean failed() {
            return failed;
        }

        /**
         * Runs commands until {@code quit} or the end of input; returns true when {@code reset-identity} ended it
         * (the caller closes the client, resets its identity and goes on with a new one).
         */
        public boolean loop(BufferedReader in) throws Exception {
            String line;
            while ((line = in.readLine()) != null) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.equals("quit") || line.equals("exit")) {
                    break;
                }
                if (line.equals("reset-identity")) {
                    return true;
                }
                try {
                    command(line);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    out.println("!! " + e.getMessage());
                }
            }
            return false;
        }

        void command(String line) throws InterruptedException {
            String[] words = line.split("\\s+", 2);
            String rest = words.length > 1 ? words[1] : "";
            switch (words[0]) {
                case "help" -> out.println("add TITLE [priority=N] [tags=a,b] | edit ID [title=…] [priority=N] "
                        + "[tags=a,b] | tag ID TAG | done ID | del ID | list | status | wait [SECONDS] | history ID | "
                        + "show ID [@VERSION] | revert ID VERSION | undo [ID] | conflicts | restore #N | share ID EMAIL | "
                        + "unshare ID EMAIL | export FILE | import FILE | reset-identity | quit"
                        + "  (in values, _ stands for a space)");
                case "add" -> {
                    Map<String, String> kv = new LinkedHashMap<>();
                    String title = parse(rest, kv);
                    if (title.isBlank()) {
                        throw new IllegalArgumentException("add needs a title");
                    }
                    ObjectNode content = JSON.createObjectNode().put("done", false)
                            .put("priority", priority(kv.getOrDefault("priority", "0")));
                    ArrayNode tags = content.putArray("tags");
                    tags(kv.get("tags")).forEach(tags::add);
                    String id = client.create(title, content);
                    out.println("added " + id.substring(0, 8));
                }
                case "edit" -> {
                    String[] p = rest.split("\\s+", 2);
                    Map<String, String> kv = new LinkedHashMap<>();
                    String other = parse(p.length > 1 ? p[1] : "", kv);
                    if (!other.isEmpty()) {
                        // A title of several words: `add` takes the loose words as its title, `edit` does not.
                        throw new IllegalArgumentException("edit takes only title=, priority= and tags=, not \""
                                + other + "\" (in values, _ stands for a space: title=two_words)");
                    }
                    if (kv.isEmpty()) {
                        throw new IllegalArgumentException("edit ID [title=…] [priority=N] [tags=a,b]");
                    }
                    Integer priority = kv.containsKey("priority") ? priority(kv.get("priority")) : null;
                    String id = find(p[0]).id();
                    client.update(id, kv.get("title"), c -> {
                        if (priority != null) {
                            c.put("priority", priority);
                        }
                        if (kv.containsKey("tags")) {
                            ArrayNode t = c.putArray("tags");
                            tags(kv.get("tags")).forEach(t::add);
                        }
                        return c;
                    });
                    out.println("edited " + id.substring(0, 8));
                }
                case "tag" -> {
                    String[] p = rest.split("\\s+", 2);
                    if (p.length < 2) {
                        throw new IllegalArgumentException("tag ID TAG");
                    }
                    String id = find(p[0]).id();
                    client.update(id, null, c -> {
                        (c.has("tags") ? (ArrayNode) c.get("tags") : c.putArray("tags")).add(p[1]);
                        return c;
                    });
                    out.println("edited " + id.substring(0, 8));
                }
                case "done" -> {
                    String id = find(rest).id();
                    client.update(id, null, c -> c.put("done", true));
                    out.println("edited " + id.substring(0, 8));
                }
                case "del" -> {
                    String id = find(rest).id();
                    client.delete(id);
                    out.println("deleted " + id.substring(0, 8));
                }
                case "list" -> {
                    for (Document d : client.list()) {
                        JsonNode c = d.content();
                        out.printf("%s [%s] %-8s p%d %s %s%n", d.id().substring(0, 8),
                                c.path("done").asBoolean() ? "x" : " ", client.status(d.id()).name().toLowerCase(),
                                c.path("priority").asInt(), d.title(), c.path("tags"));
                    }
                    out.println(client.list().size() + " tasks, " + client.pendingCount() + " pending");
                }
                case "export" -> {
                    Path file = Path.of(rest.strip());
                    ArrayNode docs = JSON.createArrayNode();
                    client.list().forEach(d -> docs.add(d.toJson()));
                    ObjectNode export = JSON.createObjectNode().put("format", EXPORT_FORMAT).put("version", 1);
                    export.set("documents", docs);
                    try {
                        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), export);
                    } catch (java.io.IOException e) {
                        throw new IllegalStateException("cannot write " + file + ": " + e.getMessage(), e);
                    }
                    out.println("exported " + docs.size() + " documents to " + file);
                }
                case "import" -> {
                    Path file = Path.of(rest.strip());
                    JsonNode export;
                    try {
                        export = JSON.readTree(file.toFile());
                    } catch (java.io.IOException e) {
                        throw new IllegalArgumentException("cannot read " + file + " as a doc-sync export: "
                                + e.getMessage().lines().findFirst().orElse(""), e);
                    }
                    if (export == null || !EXPORT_FORMAT.equals(export.path("format").asText())
                            || !export.path("documents").isArray()) {
                        throw new IllegalArgumentException(file + " is not a doc-sync export");
                    }
                    int n = 0;
                    for (JsonNode d : export.path("documents")) {
                        if (!d.path("title").isTextual() || !d.path("content").isObject()) {
                            throw new IllegalArgumentException("document " + n + " of " + file
                                    + " has no title or content; nothing after it was imported");
                        }
                        client.create(d.path("title").asText(), (ObjectNode) d.path("content").deepCopy());
                        n++;
                    }
                    out.println("imported " + n + " documents from " + file + " (as new documents of yours)");
                }
                case "status" -> out.println((client.isConnected() ? "connected" : "offline"
                        + client.offlineReason().map(r -> " (" + r + ")").orElse("")) + ", "
                        + client.list().size() + " tasks, " + client.pendingCount() + " pending");
                case "share", "unshare" -> {
                    String[] p = rest.split("\\s+");
                    if (p.length != 2) {
                        throw new IllegalArgumentException(words[0] + " ID EMAIL");
                    }
                    String id = find(p[0]).id();
                    if (words[0].equals("share")) {
                        client.share(id, p[1]);
                        out.println("shared " + id.substring(0, 8) + " with " + p[1]);
                    } else {
                        client.unshare(id, p[1]);
                        out.println("unshared " + id.substring(0, 8) + " from " + p[1]);
                    }
                }
                case "history" -> {
                    Document d = find(rest);
                    for (JsonNode e : client.history(d.id())) {
                        out.printf("%s v%d %s %s by %s: %s%n", e.path("at").asText(), e.path("version").asLong(),
                                e.path("lost").asBoolean() ? "lost" : e.path("kind").asText(),
                                d.id().substring(0, 8), e.path("author").asText(), summary(e));
                    }
                }
                case "show" -> {
                    String[] p = rest.split("\\s+");
                    Document d = find(p[0]);
                    if (p.length > 1) {
                        long v = version(p[1]);
                        out.println(client.versionOf(d.id(), v).map(JsonNode::toPrettyString)
                                .orElse("(no document at version " + v + ")"));
                    } else {
                        out.println(d.toJson().toPrettyString());
                    }
                }
                case "revert" -> {
                    String[] p = rest.split("\\s+");
                    if (p.length != 2) {
                        throw new IllegalArgumentException("revert ID VERSION");
                    }
                    Document d = find(p[0]);
                    long v = version(p[1]);
                    client.revert(d.id(), v);
                    out.println("reverted " + d.id().substring(0, 8) + " to version " + v);
                }
                case "undo" -> {
                    String id = rest.isBlank() ? null : find(rest).id();
                    long v = client.undo(id);
                    out.println("undone: back to version " + v);
                }
                case "conflicts" -> {
                    List<JsonNode> lost = client.conflicts();
                    for (JsonNode c : lost) {
                        out.printf("#%d %s %s at v%d: lost %s%n", c.path("seq").asLong(), c.path("at").asText(),
                                c.path("docId").asText().substring(0, 8), c.path("version").asLong(),
                                c.path("forward"));
                    }
                    out.println(lost.size() + " lost changes (restore #N applies one again)");
                }
                case "restore" -> {
                    String n = rest.strip().replaceFirst("^#", "");
                    long seq;
                    try {
                        seq = Long.parseLong(n);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("restore #N (a number from conflicts), not " + rest);
                    }
                    String id = client.restore(seq);
                    out.println("restored #" + seq + " into " + id.substring(0, 8));
                }
                case "wait" -> await(rest.isBlank() ? WAIT : Duration.ofMillis((long) (seconds(rest) * 1000)));
                default -> throw new IllegalArgumentException("unknown command " + words[0] + " (try help)");
            }
        }

        /**
         * Waits until the client is connected, caught up and every local change acknowledged: prints {@code synced}.
         * Prints {@code !! not synced: …} and marks the run failed when the time is up (offline or still pending),
         * the server refused a change since the last wait, or refused the credentials.
         */
        private void await(Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String problem = null;
                if (client.authError().isPresent()) {
                    problem = "the server refused this client: " + client.authError().get();
                } else if (client.refusals() > refusalsSeen) {
                    int n = client.refusals() - refusalsSeen;
                    refusalsSeen = client.refusals();
                    problem = "the server refused " + n + (n == 1 ? " change" : " changes") + " ("
                            + client.lastRefusal().orElse("") + ")";
                } else if (client.isSynced() && client.pendingCount() == 0) {
                    out.println("synced");
                    return;
                } else if (System.nanoTime() - deadline >= 0) {
                    problem = client.isConnected() ? "still pending: " + client.pendingCount()
                            : "offline" + client.offlineReason().map(r -> " (" + r + ")").orElse("") + ", "
                                    + client.pendingCount() + " pending (kept locally, uploaded when the server is"
                                    + " reachable)";
                }
                if (problem != null) {
                    failed = true;
                    out.println("!! not synced: " + problem);
                    return;
                }
                Thread.sleep(50);
            }
        }

        private static long version(String s) {
            try {
                return Long.parseLong(s.strip().replaceFirst("^[@v]", ""));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("a version is a number such as 3 or @3, not " + s);
            }
        }

        /** What an event changed, in a few words. */
        private static String summary(JsonNode e) {
            return switch (e.path("kind").asText()) {
                case "create" -> "created \"" + e.path("forward").path("title").asText() + "\"";
                case "delete" -> "deleted";
                default -> {
                    List<String> parts = new java.util.ArrayList<>();
                    for (JsonNode op : e.path("forward")) {
                        String path = op.path("path").asText();
                        if (path.equals("/version") || path.equals("/revision")) {
                            continue;
                        }
                        parts.add(op.path("op").asText() + " " + path.substring(1)
                                + (op.has("value") ? "=" + op.get("value") : ""));
                    }
                    yield String.join(", ", parts);
                }
            };
        }

        private static int priority(String s) {
            try {
                return Integer.parseInt(s.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("priority must be a whole number, not " + s);
            }
        }

        private static double seconds(String s) {
            try {
                double v = Double.parseDouble(s.strip());
                if (v >= 0 && v <= 86_400) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("wait takes a number of seconds (0 to 86400), not " + s.strip());
        }

        private Document find(String prefix) {
            String p = prefix.strip();
            List<Document> matches = client.list().stream().filter(d -> d.id().startsWith(p)).toList();
            if (p.isEmpty() || matches.size() != 1) {
                throw new IllegalArgumentException(matches.isEmpty() || p.isEmpty() ? "no task " + p
                        : "ambiguous id " + p);
            }
            return matches.get(0);
        }

        private static List<String> tags(String s) {
            return s == null || s.isBlank() ? List.of() : List.of(s.split(","));
        }

        /** Splits {@code key=value} words off {@code text}; returns the other words. */
        private static String parse(String text, Map<String, String> kv) {
            StringBuilder rest = new StringBuilder();
            for (String w : text.split("\\s+")) {
                int i = w.indexOf('=');
                if (i > 0 && w.substring(0, i).matches("title|priority|tags")) {
                    kv.put(w.substring(0, i), w.substring(i + 1).replace('_', ' '));
                } else if (!w.isEmpty()) {
                    rest.append(rest.length() == 0 ? "" : " ").append(w);
                }
            }
            return rest.toString();
        }
    }
}
