package io.scribe.examples.peer;

import io.scribe.core.Change;
import io.scribe.core.Presence;
import io.scribe.core.Scriber;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A Scribe peer on the command line. It listens ({@code --listen}) or connects ({@code --connect}), syncs {@link
 * Task}s, and reads one command per line from standard input:
 *
 * <pre>
 * new ID title=… priority=…     create a task (title may contain spaces)
 * set ID FIELD VALUE            title, done (true/false), priority (a number) or tags (a,b,c)
 * tag ID TAG                    add a tag
 * del ID                        destroy a task
 * show                          every task, one line each, sorted by id, then "# N tasks"
 * quit                          (or end of input) close and exit
 * </pre>
 *
 * <p>Standard output carries {@code show}'s lines and, prefixed {@code << }, each change that arrives from another
 * peer; progress and errors go to standard error. A peer that listens is a hub: it relays between the peers
 * connected to it, scribes and {@link Presence presence} alike.
 */
@Command(name = "scribe-peer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Syncs tasks with other Scribe peers; reads commands from standard input.")
public final class Peer implements Callable<Integer> {

    @Option(names = "--id", required = true, description = "this peer's GUID")
    String id;

    @Option(names = "--listen", paramLabel = "PORT", description = "accept peers on this port (a hub)")
    Integer listen;

    @Option(names = "--connect", paramLabel = "HOST:PORT", description = "connect to a hub")
    String connect;

    @Option(names = "--bind", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
    String bind;

    @Option(names = "--ws", description = "WebSocket (path /scribe) instead of length-prefixed TCP")
    boolean webSocket;

    @Option(names = "--framing", defaultValue = "u32", description = "u32 (Scribe) or u16 (Syncro-compatible)")
    String framing;

    @Option(names = "--syncro-listen", paramLabel = "PORT",
            description = "also accept Ruby Syncro peers (u16, no hello) on this port, beside --listen")
    Integer syncroListen;

    @Option(names = "--syncro-name", defaultValue = "connection", paramLabel = "RULE",
            description = "how a hub names its Syncro peers, which keep their cursor under that name: connection"
                    + " (default: a new client per connection, never a shared cursor), host (one Syncro peer per"
                    + " host), or a fixed NAME (the one Syncro peer of this hub)")
    String syncroName;

    @Option(names = "--store", defaultValue = "memory",
            description = "memory, file:DIR, redis://HOST:PORT/DB?prefix=P or postgresql://HOST/DB?schema=S")
    String storeUrl;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private final PrintStream err = System.err;

    public static void main(String[] args) {
        if (Runtime.version().feature() >= 24 && System.getProperty("io.netty.noUnsafe") == null) {
            // JDK 24+ warns on every use of sun.misc.Unsafe's memory access, which Netty 4.1 makes by default.
            System.setProperty("io.netty.noUnsafe", "true");
        }
        System.exit(new CommandLine(new Peer()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if ((listen == null) == (connect == null)) {
            err.println("give exactly one of --listen PORT and --connect HOST:PORT");
            return 2;
        }
        if (syncroListen != null && listen == null) {
            err.println("--syncro-listen needs --listen");
            return 2;
        }
        Wire wire = switch (framing) {
            case "u32" -> Wire.scribe();
            case "u16" -> Wire.syncro();
            default -> {
                err.println("--framing must be u16 or u32: " + framing);
                yield null;
            }
        };
        if (wire == null) {
            return 2;
        }
        Store store;
        try {
            store = Store.open(storeUrl);
        } catch (RuntimeException e) {
            err.println("scribe-peer: cannot open store " + storeUrl + ": " + e.getMessage());
            return 1;
        }
        Scriber.Builder builder = Scriber.builder().clientId(id).store(store).register(Task.class).wire(wire)
                .onError(e -> err.println("! [" + e.code() + "] " + e.getMessage()));
        Presence presence = Presence.install(builder);
        Scriber scriber = builder.build();
        presence.bind(scriber);
        scriber.listen(Task.class, this::arrived);
        AutoCloseable transport;
        if (listen != null) {
            ScribeServer.Builder b = ScribeServer.builder(scriber).bind(bind).wire(wire);
            syncroNames(b);
            ScribeServer server = webSocket ? b.webSocket(listen, "/scribe").start() : b.tcp(listen).start();
            err.println("listening on " + (webSocket ? server.webSocketUri() : server.tcpAddress()));
            if (syncroListen != null) {
                ScribeServer.Builder sb = ScribeServer.builder(scriber).bind(bind).wire(Wire.syncro());
                syncroNames(sb);
                ScribeServer syncroServer = sb.tcp(syncroListen).start();
                err.println("listening for Syncro peers on " + syncroServer.tcpAddress());
                transport = () -> {
                    syncroServer.close();
                    server.close();
                };
            } else {
                transport = server;
            }
        } else {
            int colon = connect.lastIndexOf(':');
            if (colon < 0) {
                err.println("--connect needs HOST:PORT: " + connect);
                return 2;
            }
            String host = connect.substring(0, colon);
            int port = Integer.parseInt(connect.substring(colon + 1));
            ScribeClient.Builder b = webSocket
                    ? ScribeClient.webSocket(scriber, URI.create("ws://" + host + ":" + port + "/scribe"))
                    : ScribeClient.tcp(scriber, host, port);
            transport = b.wire(wire).onSession(s -> err.println("connected to " + s.client().id())).start();
        }
        try {
            repl(scriber);
        } finally {
            transport.close();
            presence.close();
            scriber.close();
            store.close();
        }
        return 0;
    }

    /** Applies {@code --syncro-name}: how the hub tells its Syncro peers apart (they send no name). */
    private void syncroNames(ScribeServer.Builder b) {
        switch (syncroName) {
            case "connection" -> { } // the server's default: one client per connection
            case "host" -> b.syncroClientNames(a -> "syncro-" + a.getHostString());
            default -> b.syncroClientNames(a -> syncroName);
        }
    }

    private void arrived(Change<Task> change) {
        if (!change.local()) {
            String what = switch (change.type()) {
                case CREATE, UPDATE -> change.object().line();
                case DESTROY -> change.id();
            };
            out.println("<< " + change.type().name().toLowerCase() + " from " + change.origin() + ": " + what);
        }
    }

    private void repl(Scriber scriber) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.equals("quit")) {
                return;
            }
            try {
                run(scriber, line);
            } catch (RuntimeException e) {
                err.println("! " + line + ": " + e.getMessage());
            }
        }
    }

    private void run(Scriber scriber, String line) {
        String[] words = line.split("\\s+", 4);
        switch (words[0]) {
            case "new" -> {
                need(words, 2, "new ID title=… priority=…");
                Task task = new Task(words[1]);
                Map<String, String> fields = pairs(line.substring(line.indexOf(words[1]) + words[1].length()));
                fields.forEach((f, v) -> set(task, f, v));
                scriber.create(task);
            }
            case "set" -> {
                need(words, 4, "set ID FIELD VALUE");
                Task task = find(scriber, words[1]);
                set(task, words[2], words[3]);
                scriber.save(task);
            }
            case "tag" -> {
                need(words, 3, "tag ID TAG");
                Task task = find(scriber, words[1]);
                task.tags.add(line.split("\\s+", 3)[2]);
                scriber.save(task);
            }
            case "del" -> {
                need(words, 2, "del ID");
                scriber.destroy(find(scriber, words[1]));
            }
            case "show" -> {
                List<Task> tasks = new ArrayList<>(scriber.all(Task.class));
                tasks.sort(Comparator.comparing(t -> t.id));
                StringBuilder sb = new StringBuilder();
                for (Task t : tasks) {
                    sb.append(t.line()).append('\n');
                }
                sb.append("# ").append(tasks.size()).append(" tasks");
                out.println(sb);
            }
            default -> throw new IllegalArgumentException("unknown command; use new, set, tag, del, show or quit");
        }
    }

    private static void need(String[] words, int count, String usage) {
        if (words.length < count) {
            throw new IllegalArgumentException("usage: " + usage);
        }
    }

    private static Task find(Scriber scriber, String id) {
        return scriber.find(Task.class, id).orElseThrow(() -> new IllegalArgumentException("no task " + id));
    }

    /** {@code " title=buy milk priority=2"} as {@code {title: "buy milk", priority: "2"}}. */
    static Map<String, String> pairs(String text) {
        Map<String, String> result = new LinkedHashMap<>();
        for (String part : text.strip().split("\\s+(?=\\w+=)")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("expected FIELD=VALUE: " + part);
            }
            result.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return result;
    }

    private static void set(Task task, String field, String value) {
        switch (field) {
            case "title" -> task.title = value;
            case "done" -> task.done = Boolean.parseBoolean(value);
            case "priority" -> task.priority = Integer.parseInt(value.strip());
            case "tags" -> {
                task.tags.clear();
                for (String t : value.split(",")) {
                    if (!t.isBlank()) {
                        task.tags.add(t.strip());
                    }
                }
            }
            default -> throw new IllegalArgumentException("no field " + field + "; use title, done, priority, tags");
        }
    }
}
