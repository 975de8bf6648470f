package io.scribe.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The child process of {@link StoreKillHarness}: opens the store a URL names and commits to it until it is killed,
 * telling its parent on stdout what it does, one line at a time, each written in one piece:
 *
 * <pre>
 * opening                         before the store is opened
 * opened LASTID MILLIS            once it is open
 * begin RUN I {"tags":[...],"objects":{id: value or null},"cursor":C}   before commit I is handed to the store
 * ack RUN I FIRSTID               once commit I returned, with the id of its first scribe
 * </pre>
 *
 * Every commit appends one to three scribes (each with a unique tag), writes one object (a create, an update or a
 * destroy of an object it read from the store or created) and moves the cursor of client {@code peer}. After the
 * last commit it waits, the store open, until it is killed or its standard input ends. Each line goes first to a
 * report file (appended in one write: the kernel keeps it whatever happens to the process), then to stdout, which
 * the parent follows to know how far the child got. Arguments: store URL, run number, random seed, number of
 * commits, report file.
 */
public final class StoreWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The class of the objects the writer keeps. */
    public static final String KLASS = "Item";
    /** The client whose cursor every commit moves. */
    public static final String CLIENT = "peer";

    private StoreWriter() {}

    public static void main(String[] args) throws IOException {
        OutputStream stdout = new Tee(new FileOutputStream(args[4], true), new FileOutputStream(FileDescriptor.out));
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        String url = args[0];
        int run = Integer.parseInt(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        int commits = Integer.parseInt(args[3]);
        line(stdout, "opening");
        long started = System.nanoTime();
        Store store = Store.open(url);
        line(stdout, "opened " + store.lastId() + " " + (System.nanoTime() - started) / 1_000_000);
        List<String> live = new ArrayList<>();
        store.forEachObject(o -> {
            if (o.klass().equals(KLASS) && !o.destroyed()) {
                live.add(o.id());
            }
        });
        for (int i = 0; i < commits; i++) {
            ObjectNode plan = JSON.createObjectNode();
            List<Scribe> scribes = new ArrayList<>();
            int n = 1 + random.nextInt(3);
            for (int k = 0; k < n; k++) {
                String tag = run + "." + i + "." + k;
                plan.withArray("tags").add(tag);
                scribes.add(new Scribe(null, KLASS, Scribe.Type.CREATE, JSON.createObjectNode().put("tag", tag),
                        "writer", ((long) run << 32) + i, Map.of()));
            }
            String value = run + "." + i;
            int op = random.nextInt(10);
            ObjectState state;
            String id;
            if (live.isEmpty() || op < 4) {
                id = "o" + value;
                live.add(id);
                state = new ObjectState(KLASS, id, JSON.createObjectNode().put("id", id).put("v", value), Map.of(),
                        null);
                plan.with("objects").put(id, value);
            } else if (op < 9) {
                id = live.get(random.nextInt(live.size()));
                state = new ObjectState(KLASS, id, JSON.createObjectNode().put("id", id).put("v", value), Map.of(),
                        null);
                plan.with("objects").put(id, value);
            } else {
                id = live.remove(random.nextInt(live.size()));
                state = new ObjectState(KLASS, id, JSON.createObjectNode().put("id", id), Map.of(),
                        new Stamp(((long) run << 32) + i, "writer"));
                plan.with("objects").putNull(id);
            }
            plan.put("cursor", value);
            line(stdout, "begin " + run + " " + i + " " + JSON.writeValueAsString(plan));
            List<Scribe> stored = store.commit(new Commit(scribes, List.of(state), Map.of(CLIENT, value)));
            line(stdout, "ack " + run + " " + i + " " + stored.get(0).id());
        }
        line(stdout, "done");
        while (System.in.read() >= 0) {
            // Waits to be killed.
        }
        store.close();
    }

    /** Writes each line to the report file, then to stdout. */
    private static final class Tee extends OutputStream {
        private final OutputStream report;
        private final OutputStream live;

        Tee(OutputStream report, OutputStream live) {
            this.report = report;
            this.live = live;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            report.write(b, off, len);
            live.write(b, off, len);
        }
    }

    private static void line(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
