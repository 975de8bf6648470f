package io.scribe.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.spi.Connection;
import io.scribe.core.spi.Store;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Comparator;
import java.util.List;

/**
 * The child peer of {@link CrashHarness}: a Scriber on the store named by {@code args[0]}, whose one session is fed
 * from stdin and writes its frames to stdout. Answers {@code dump} requests with its notes. Nothing else may reach
 * stdout, so {@code System.out} is pointed at stderr.
 */
public final class CrashPeer {

    /** The synced class both peers share. */
    @Synced(value = "Note", explicit = true)
    public static final class Note {
        @SyncId
        String id;
        String text;
        int version;

        Note() {}

        Note(String id, String text) {
            this.id = id;
            this.text = text;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private CrashPeer() {}

    /** Notes as JSON, sorted by id: what two peers compare. */
    public static ArrayNode dump(List<Note> notes) {
        ArrayNode out = JSON.createArrayNode();
        notes.stream().sorted(Comparator.comparing(n -> n.id))
                .forEach(n -> out.addObject().put("id", n.id).put("text", n.text).put("version", n.version));
        return out;
    }

    public static void main(String[] args) throws IOException {
        OutputStream stdout = new FileOutputStream(FileDescriptor.out);
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        Store store = Store.open(args[0]);
        Scriber[] self = new Scriber[1];
        Scriber scriber = Scriber.builder().clientId("child").store(store).register(Note.class)
                .handle("dump", (session, message) -> dump(self[0].all(Note.class)))
                .build();
        self[0] = scriber;
        Session session = scriber.client("parent").connect(new Connection() {
            @Override
            public void send(byte[] frame) {
                try {
                    synchronized (stdout) {
                        stdout.write(frame);
                        stdout.flush();
                    }
                } catch (IOException e) {
                    System.err.println("child: stdout closed: " + e);
                }
            }

            @Override
            public void close() {}
        });
        session.sync();
        InputStream stdin = System.in;
        byte[] buf = new byte[8192];
        int n;
        while ((n = stdin.read(buf)) >= 0) {
            session.receiveData(buf, 0, n);
        }
        scriber.close();
        store.close();
    }
}
