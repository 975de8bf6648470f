package io.scribe.examples.peer;

import io.scribe.core.Change;
import io.scribe.core.Presence;
import io.scribe.core.Scribe;
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
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * log                           one line about this peer's stored log: "# log: N scribes (ids F..L), last id
 *                               I, compacted through C, O objects, T tombstones"
 * compact                       compact the log now (a hub; see --compact-every), then print the log line
 * quit                          (or end of input) close and exit
 * </pre>
 *
 * <p>Standard output carries {@code show}'s lines and, prefixed {@code << }, each change that arrives from another
 * peer; progress and errors go to standard error. A peer that listens is a hub: it relays between the peers
 * connected to it, scribes and {@link Presence presence} alike. A hub started with {@code --compact-every} compacts
 * its log (see {@link Scriber.Builder#compaction}); a peer back after {@code --retention}, or a new one, then gets a
 * snapshot.
 */
@Command(name = "scribe-peer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Syncs tasks with other Scribe peers; reads commands from standard input.",
        footer = {"", "Commands on standard input, one a line:",
                "  new ID title=... priority=...  create a task",
                "  set ID FIELD VALUE             title, done, priority or tags (a,b,c)",
                "  tag ID TAG                     add a tag",
                "  del ID                         destroy a task",
                "  show                           every task, then \"# N tasks\"",
                "  log                            the stored log: \"# log: N scribes (ids F..L),",
                "                                 last id I, compacted through C, O objects,",
                "                                 T tombstones\"",
                "  compact                        compact the log now, then print log's line",
                "  quit                           close and exit (so does the end of input)",
                "DURATION: a number with ms, s, m, h or d (200ms, 10s, 30d), or ISO-8601 (PT1S)."})
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

    @Option(names = "--compact-every", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "a hub compacts its log this often: it removes the history every peer connected, or seen"
                    + " within --retention, has acknowledged, and the tombstones that history ended (off by default;"
                    + " a peer that connects to a hub never compacts)")
    Duration compactEvery;

    @Option(names = "--retention", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "with --compact-every: how long a peer that left still holds the log back (default 30d);"
                    + " one back later, or a new one, gets a snapshot instead of the log")
    Duration retention;

    @Option(names = "--receiver-ack-delay", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "a hub tells the peers it pushes to that they may hold their acknowledgements of its"
                    + " changes this long (at most 10s), so that many peers answer a burst of changes with few"
                    + " messages (default: not stated, each peer waits 20ms)")
    Duration receiverAckDelay;

    private final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    private final PrintStream err = System.err;
    private Store store;

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
        if (id.isBlank()) {
            err.println("--id must not be blank");
            return 2;
        }
        String host = null;
        int port = -1;
        if (connect != null) {
            int colon = connect.lastIndexOf(':');
            port = colon < 0 ? -1 : port(connect.substring(colon + 1));
            if (colon <= 0 || port <= 0) {
                err.println("--connect needs HOST:PORT (PORT from 1 to 65535): " + connect);
                return 2;
            }
            host = connect.substring(0, colon);
        }
        for (Integer p : new Integer[] {listen, syncroListen}) {
            if (p != null && (p < 0 || p > 65535)) {
                err.println("a port must be from 0 to 65535: " + p);
                return 2;
            }
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
        if (compactEvery != null && connect != null) {
            err.println("--compact-every is for a hub (--listen): a peer that connects never compacts, its hub decides");
            return 2;
        }
        if (retention != null && compactEvery == null) {
            err.println("--retention needs --compact-every");
            return 2;
        }
        if (compactEvery != null && (compactEvery.isNegative() || compactEvery.isZero()
                || retention != null && retention.isNegative())) {
            err.println("--compact-every must be positive and --retention zero or more");
            return 2;
        }
        if (receiverAckDelay != null && (receiverAckDelay.isNegative()
                || receiverAckDelay.compareTo(Duration.ofSeconds(10)) > 0)) {
            err.println("--receiver-ack-delay must be from 0 to 10s: " + receiverAckDelay);
            return 2;
        }
        try {
            store = Store.open(storeUrl);
        } catch (RuntimeException e) {
            err.println("scribe-peer: cannot open store " + storeUrl + ": " + e.getMessage());
            return 1;
        }
        Scriber scriber = null;
        Presence presence = null;
        AutoCloseable transport;
        try {
            Scriber.Builder builder = Scriber.builder().clientId(id).store(store).register(Task.class).wire(wire)
                    .onError(e -> err.println("! [" + e.code() + "] " + e.getMessage()));
            if (compactEvery != null) {
                builder.compaction(compactEvery, retention == null ? Duration.ofDays(30) : retention);
            }
            if (receiverAckDelay != null) {
                builder.receiverAckDelay(receiverAckDelay);
            }
            presence = Presence.install(builder);
            scriber = builder.build();
            presence.bind(scriber);
            scriber.listen(Task.class, this::arrived);
            transport = listen != null ? listen(scriber, wire) : connect(scriber, wire, host, port);
        } catch (RuntimeException e) {
            // a port in use, an address that cannot be bound: one line, and the store closed cleanly
            err.println("scribe-peer: " + e.getMessage());
            if (scriber != null) {
                closeQuietly(presence);
                closeQuietly(scriber);
            }
            closeQuietly(store);
            return 1;
        }
        // Every change is stored when its command answers; Ctrl-C or SIGTERM only closes the transport, the Scriber
        // and the store as quit does, so the next start needs no recovery of the store.
        Scriber s = scriber;
        Presence p = presence;
        // Once, and whoever comes second (the hook, or quit's return) waits until it is done: the JVM halts once its
        // hooks return, so the hook must not return while the store is still being closed.
        boolean[] closed = {false};
        Runnable close = () -> {
            synchronized (closed) {
                if (!closed[0]) {
                    closed[0] = true;
                    closeQuietly(transport);
                    closeQuietly(p);
                    closeQuietly(s);
                    closeQuietly(store);
                }
            }
        };
        Thread hook = new Thread(close, "scribe-peer-close");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            repl(scriber);
        } finally {
            close.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
        return 0;
    }

    private AutoCloseable listen(Scriber scriber, Wire wire) {
        ScribeServer.Builder b = ScribeServer.builder(scriber).bind(bind).wire(wire);
        syncroNames(b);
        ScribeServer server = webSocket ? b.webSocket(listen, "/scribe").start() : b.tcp(listen).start();
        err.println("listening on " + (webSocket ? server.webSocketUri() : server.tcpAddress()));
        if (syncroListen == null) {
            return server;
        }
        ScribeServer syncroServer;
        try {
            ScribeServer.Builder sb = ScribeServer.builder(scriber).bind(bind).wire(Wire.syncro());
            syncroNames(sb);
            syncroServer = sb.tcp(syncroListen).start();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        err.println("listening for Syncro peers on " + syncroServer.tcpAddress());
        return () -> {
            syncroServer.close();
            server.close();
        };
    }

    private AutoCloseable connect(Scriber scriber, Wire wire, String host, int port) {
        ScribeClient.Builder b = webSocket
                ? ScribeClient.webSocket(scriber, URI.create("ws://" + host + ":" + port + "/scribe"))
                : ScribeClient.tcp(scriber, host, port);
        return b.wire(wire).onSession(s -> err.println("connected to " + s.client().id())).start();
    }

    /** {@code text} as a port number, or -1 when it is not a number from 1 to 65535. */
    private static int port(String text) {
        try {
            int p = Integer.parseInt(text.strip());
            return p >= 1 && p <= 65535 ? p : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            err.println("scribe-peer: while closing: " + e.getMessage());
        }
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
            case "log" -> out.println(logLine());
            case "compact" -> {
                scriber.compact();
                out.println(logLine());
            }
            default -> throw new IllegalArgumentException(
                    "unknown command; use new, set, tag, del, show, log, compact or quit");
        }
    }

    /**
     * {@code log}'s line, read from the store: how many scribes the log holds and their ids, how far it was compacted
     * (the store's cursor {@code ~compacted}, see PROTOCOL.md), and the objects and tombstones kept.
     */
    private String logLine() {
        long count = 0;
        long first = 0;
        long after = 0;
        List<Scribe> page;
        while (!(page = store.readAfter(after, 1000)).isEmpty()) {
            if (first == 0) {
                first = Long.parseLong(page.get(0).id());
            }
            count += page.size();
            after = Long.parseLong(page.get(page.size() - 1).id());
        }
        String mark = store.cursor("~compacted").orElse("0");
        int semi = mark.indexOf(';');
        long compacted = Long.parseLong(semi < 0 ? mark : mark.substring(0, semi));
        long[] objects = new long[2];
        store.forEachObject(o -> objects[o.destroyed() ? 1 : 0]++);
        return "# log: " + count + " scribes (ids " + (count == 0 ? "none" : first + ".." + after) + "), last id "
                + store.lastId() + ", compacted through " + compacted + ", " + objects[0] + " objects, " + objects[1]
                + " tombstones";
    }

    /** A duration as {@code 200ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 30d}, or ISO-8601 ({@code PT1S}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SHORT = Pattern.compile("(\\d+)(ms|s|m|h|d)");

        @Override
        public Duration convert(String value) {
            Matcher m = SHORT.matcher(value.strip());
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                return switch (m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    default -> Duration.ofDays(n);
                };
            }
            try {
                return Duration.parse(value.strip());
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException(
                        "not a duration (200ms, 10s, 5m, 2h, 30d or PT1S): " + value);
            }
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
