package io.scribe.examples;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.Connection;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two peers in one process, joined by a direct in-memory connection: a task created on the laptop appears on the
 * server, the server's edit comes back, and a destroy removes it on both.
 */
public final class Quickstart {

    /** A synced domain class: plain fields, a no-argument constructor. */
    @Synced(explicit = true)
    static final class Task {
        @SyncId
        String id;
        String title;
        boolean done;
        int priority;
        List<String> tags = new ArrayList<>();

        Task() {}

        Task(String title, int priority) {
            this.title = title;
            this.priority = priority;
        }

        @Override
        public String toString() {
            return id.substring(0, 8) + " title=" + title + " done=" + done + " priority=" + priority + " tags=" + tags;
        }
    }

    /**
     * Runs the quickstart; {@code peer ARGS…} runs the example {@link io.scribe.examples.peer.Peer} instead, so that
     * {@code java -jar scribe-examples.jar peer …} gets the JVM flags the file store needs from the jar's manifest.
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("peer")) {
            io.scribe.examples.peer.Peer.main(java.util.Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        if (args.length > 0) {
            boolean help = args[0].equals("--help") || args[0].equals("-h");
            if (!help) {
                System.err.println("scribe-examples: unknown argument " + args[0]);
            }
            (help ? System.out : System.err).println(USAGE);
            if (!help) {
                System.exit(2);
            }
            return;
        }
        Scriber laptop = Scriber.builder().clientId("laptop").store(Store.inMemory()).register(Task.class).build();
        Scriber server = Scriber.builder().clientId("server").store(Store.inMemory()).register(Task.class).build();

        // A connection is two callbacks: here each side feeds the other's session directly.
        AtomicReference<Session> serverSide = new AtomicReference<>();
        AtomicReference<Session> laptopSide = new AtomicReference<>();
        laptopSide.set(laptop.client("server").connect(direct(serverSide)));
        serverSide.set(server.client("laptop").connect(direct(laptopSide)));
        laptopSide.get().sync().join();
        serverSide.get().sync().join();

        Task task = laptop.create(new Task("write the docs", 2));
        print("laptop created", server);

        Task onServer = server.find(Task.class, task.id).orElseThrow();
        onServer.done = true;
        onServer.tags.add("docs");
        server.save(onServer);
        print("server completed", laptop);

        laptop.destroy(task);
        print("laptop destroyed", server);

        laptop.close();
        server.close();
    }

    private static Connection direct(AtomicReference<Session> peer) {
        return new Connection() {
            @Override
            public void send(byte[] frame) {
                peer.get().receiveData(frame);
            }

            @Override
            public void close() {}
        };
    }

    private static final String USAGE = String.join("\n",
            "Usage: java -jar scribe-examples.jar                 runs the quickstart: two peers in one process",
            "       java -jar scribe-examples.jar peer OPTIONS... runs an example peer to drive by hand",
            "                                                     (peer --help lists its options and commands)");

    private static void print(String what, Scriber peer) {
        System.out.println(what + " -> " + peer.id() + " has " + peer.all(Task.class));
    }
}
