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

    public static void main(String[] args) {
        System.exit(new CommandLine(new DocSync()).execute(args));
    }

    @Override
    public void run() {
        CommandLine.usage(this, System.out);
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
                    throw new IllegalStateException("cannot open " + database + ": " + oneLine(e), e);
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

    /** The innermost message of a failure, on one line. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = e.getMessage() != null && (t == e || !(e instanceof RuntimeException) || e.getMessage().length()
                < 300) ? e.getMessage() : t.getMessage();
        return (m == null ? t.toString() : m).strip().replace('\n', ' ');
    }

    /** Runs {@code body}; a failure is printed as one line on standard error and exits with 1. */
    static int guarded(Callable<Integer> body) {
        try {
            return body.call();
        } catch (Exception e) {
            System.err.println("doc-sync: " + oneLine(e));
            return 1;
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

        @Override
        public Integer call() {
            return guarded(() -> {
                DocServer server = DocServer.start(data.config(port, bind));
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
            });
        }
    }

    @Command(name = "credentials", mixinStandardHelpOptions = true, description = "Manages API credentials.",
            subcommands = {Create.class, ListCredentials.class, Revoke.class, Rotate.class})
    static final class Credentials implements Runnable {
        @Override
        public void run() {
            CommandLine.usage(this, System.out);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Creates an API key and secret; the secret is shown only once.")
    static final class Create implements Callable<Integer> {
        @CommandLine.Mixin
        ServerData data = new ServerData();

        @Option(names = "--name", required = true, description = "what the credential is for")
        String name;

        @Override
        public Integer call() {
            return guarded(() -> {
                byte[][] key = new byte[1][];
                try (Db db = data.open(key)) {
                    String[] c = DocServer.createCredential(db, key[0], name);
                    System.out.println("api key: " + c[0]);
                    System.out.println("secret:  " + c[1]);
                    System.out.println("The secret is not stored and cannot be shown again.");
                }
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the credentials: key, name, bound user, created, revoked (never the secrets).")
    static final class ListCredentials implements Callable<Integer> {
        @CommandLine.Mixin
        ServerData data = new ServerData();

        @Override
        public Integer call() {
            return guarded(() -> {
                byte[][] key = new byte[1][];
                try (Db db = data.open(key)) {
                    List<String[]> all = db.credentials();
                    for (String[] c : all) {
                        System.out.println(c[0] + "  " + c[2] + "  " + (c[3] == null ? "(unused)" : c[3]) + "  created "
                                + c[4] + (c[5] == null ? "" : "  REVOKED " + c[5]));
                    }
                    System.out.println(all.size() + " credential" + (all.size() == 1 ? "" : "s"));
                }
                return 0;
            });
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revokes an API key: new logins with it are refused (sessions already open stay open).")
    static final class Revoke implements Callable<Integer> {
        @CommandLine.Mixin
        ServerData data = new ServerData();

        @CommandLine.Parameters(paramLabel = "API_KEY", description = "the rpa_… key")
        String apiKey;

        @Override
        public Integer call() {
            return guarded(() -> {
                byte[][] key = new byte[1][];
                try (Db db = data.open(key)) {
                    if (!db.revokeCredential(apiKey)) {
                        throw new IllegalArgumentException("no credential " + apiKey);
                    }
                    System.out.println("revoked " + apiKey);
                }
                return 0;
            });
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Gives an API key a new secret (shown once); the old secret stops working.")
    static final class Rotate implements Callable<Integer> {
        @CommandLine.Mixin
        ServerData data = new ServerData();

        @CommandLine.Parameters(paramLabel = "API_KEY", description = "the rpa_… key")
        String apiKey;

        @Override
        public Integer call() {
            return guarded(() -> {
                byte[][] key = new byte[1][];
                try (Db db = data.open(key)) {
                    String secret = Crypto.token("rps_");
                    if (!db.resealCredential(apiKey, Crypto.encrypt(key[0], secret, apiKey))) {
                        throw new IllegalArgumentException("no credential " + apiKey);
                    }
                    System.out.println("api key: " + apiKey);
                    System.out.println("secret:  " + secret);
                    System.out.println("The secret is not stored and cannot be shown again.");
                }
                return 0;
            });
        }
    }

    @Command(name = "client", description = "Interactive task manager (reads commands from standard input).")
    static final class TaskClient implements Callable<Integer> {
        @Option(names = "--server", defaultValue = "${env:DOC_SYNC_SERVER:-ws://127.0.0.1:8787/scribe}",
                description = "default ${DEFAULT-VALUE}")
        URI server;

        @Option(names = "--email", defaultValue = "${env:DOC_SYNC_EMAIL}", required = true)
        String email;

        @Option(names = "--key", defaultValue = "${env:DOC_SYNC_API_KEY}", required = true, description = "rpa_…")
        String apiKey;

        @Option(names = "--secret", defaultValue = "${env:DOC_SYNC_SECRET}", required = true, description = "rps_…")
        String secret;

        @Option(names = "--data", defaultValue = "${env:DOC_SYNC_CLIENT_DATA:-doc-sync-client}",
                description = "local store directory, default ${DEFAULT-VALUE}")
        Path data;

        @Option(names = "--quiet-events", description = "do not print events")
        boolean quiet;

        @Override
        public Integer call() throws Exception {
            PrintStream out = System.out;
            try (DocClient client = DocClient.start(new DocClient.Options(server, email, apiKey, secret, data,
                    Backoff.DEFAULT))) {
                if (!quiet) {
                    client.onEvent(e -> out.println("<< " + describe(client, e)));
                }
                out.println("doc-sync client " + client.clientId() + " for " + email + " (type help)");
                new Tasks(client, out).loop(new BufferedReader(new InputStreamReader(System.in,
                        StandardCharsets.UTF_8)));
            }
            return 0;
        }

        private static String describe(DocClient client, DocEvent e) {
            String origin = e.local() ? "local" : "remote";
            return switch (e.kind()) {
                case CREATED, UPDATED, DELETED -> e.kind().name().toLowerCase() + " "
                        + (e.docId() == null ? "" : e.docId().substring(0, 8)) + " ("
                        + origin + ")" + client.get(e.docId()).map(d -> ": " + d.title()).orElse("");
                case CONFLICT -> "conflict on " + e.docId().substring(0, 8) + ": the server kept "
                        + e.detail().path("kept");
                case CONNECTION_CHANGED -> e.detail().asBoolean() ? "connected" : "disconnected";
                case SYNC_COMPLETED -> "sync completed";
                case ERROR -> "error: " + e.detail().asText();
            };
        }
    }

    /** The task manager's commands over a {@link DocClient}; tasks are documents {priority, tags, done}. */
    public static final class Tasks {
        private final DocClient client;
        private final PrintStream out;

        public Tasks(DocClient client, PrintStream out) {
            this.client = client;
            this.out = out;
        }

        public void loop(BufferedReader in) throws Exception {
            String line;
            while ((line = in.readLine()) != null) {
                line = line.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.equals("quit") || line.equals("exit")) {
                    break;
                }
                try {
                    command(line);
                } catch (IllegalArgumentException e) {
                    out.println("!! " + e.getMessage());
                }
            }
        }

        void command(String line) throws InterruptedException {
            String[] words = line.split("\\s+", 2);
            String rest = words.length > 1 ? words[1] : "";
            switch (words[0]) {
                case "help" -> out.println("add TITLE [priority=N] [tags=a,b] | edit ID [title=…] [priority=N] "
                        + "[tags=a,b] | tag ID TAG | done ID | del ID | list | status | wait | quit");
                case "add" -> {
                    Map<String, String> kv = new LinkedHashMap<>();
                    String title = parse(rest, kv);
                    if (title.isBlank()) {
                        throw new IllegalArgumentException("add needs a title");
                    }
                    ObjectNode content = JSON.createObjectNode().put("done", false)
                            .put("priority", Integer.parseInt(kv.getOrDefault("priority", "0")));
                    ArrayNode tags = content.putArray("tags");
                    tags(kv.get("tags")).forEach(tags::add);
                    String id = client.create(title, content);
                    out.println("added " + id.substring(0, 8));
                }
                case "edit" -> {
                    String[] p = rest.split("\\s+", 2);
                    Map<String, String> kv = new LinkedHashMap<>();
                    parse(p.length > 1 ? p[1] : "", kv);
                    client.update(find(p[0]).id(), kv.get("title"), c -> {
                        if (kv.containsKey("priority")) {
                            c.put("priority", Integer.parseInt(kv.get("priority")));
                        }
                        if (kv.containsKey("tags")) {
                            ArrayNode t = c.putArray("tags");
                            tags(kv.get("tags")).forEach(t::add);
                        }
                        return c;
                    });
                }
                case "tag" -> {
                    String[] p = rest.split("\\s+", 2);
                    if (p.length < 2) {
                        throw new IllegalArgumentException("tag ID TAG");
                    }
                    client.update(find(p[0]).id(), null, c -> {
                        (c.has("tags") ? (ArrayNode) c.get("tags") : c.putArray("tags")).add(p[1]);
                        return c;
                    });
                }
                case "done" -> client.update(find(rest).id(), null, c -> c.put("done", true));
                case "del" -> client.delete(find(rest).id());
                case "list" -> {
                    for (Document d : client.list()) {
                        JsonNode c = d.content();
                        out.printf("%s [%s] %-8s p%d %s %s%n", d.id().substring(0, 8),
                                c.path("done").asBoolean() ? "x" : " ", client.status(d.id()).name().toLowerCase(),
                                c.path("priority").asInt(), d.title(), c.path("tags"));
                    }
                    out.println(client.list().size() + " tasks, " + client.pendingCount() + " pending");
                }
                case "status" -> out.println((client.isConnected() ? "connected" : "offline") + ", "
                        + client.list().size() + " tasks, " + client.pendingCount() + " pending");
                case "wait" -> {
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while ((!client.isConnected() || client.pendingCount() > 0) && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    out.println(client.pendingCount() == 0 ? "synced" : "still pending: " + client.pendingCount());
                }
                default -> throw new IllegalArgumentException("unknown command " + words[0] + " (try help)");
            }
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
