package io.scribe.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One socket carrying length-prefixed JSON messages (Syncro's 2-byte prefix or Scribe's 4-byte one), as the
 * conformance kits speak to the implementation under test: it keeps every message it read, and while it waits for
 * one it answers the other side's requests as a Syncro peer does.
 */
class FramedSocket implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final boolean u16;
    private final int timeoutMillis;
    /** Every message read so far, in order. */
    final List<JsonNode> seen = new ArrayList<>();

    FramedSocket(Socket socket, boolean u16, int timeoutMillis) throws IOException {
        this.socket = socket;
        this.u16 = u16;
        this.timeoutMillis = timeoutMillis;
        socket.setSoTimeout(timeoutMillis);
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends one message in one frame. */
    void send(String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        if (u16) {
            if (b.length > 0xFFFF) {
                throw new AssertionError("the kit's own frame is too large for u16");
            }
            out.write(new byte[] {(byte) (b.length >>> 8), (byte) b.length});
        } else {
            out.write(new byte[] {(byte) (b.length >>> 24), (byte) (b.length >>> 16), (byte) (b.length >>> 8),
                (byte) b.length});
        }
        out.write(b);
        out.flush();
    }

    /**
     * Sends {@code json} behind a 2-byte prefix that keeps only the low 16 bits of its length, as Syncro writes a
     * message over 65,535 bytes: the other side reads a frame that is not JSON, and the stream is out of step.
     */
    void sendWrapped(byte[] json) throws IOException {
        out.write(new byte[] {(byte) (json.length >>> 8), (byte) json.length});
        out.write(json);
        out.flush();
    }

    /** Sends a request and waits for the response (or error) with its id. */
    JsonNode request(String json, int id) throws IOException {
        send(json);
        return await(m -> m.path("id").asInt() == id
                && (m.path("type").asText().equals("response") || m.path("type").asText().equals("error")));
    }

    /** Reads the next message. */
    JsonNode read() throws IOException {
        int length = u16 ? in.readUnsignedShort() : in.readInt();
        byte[] b = new byte[length];
        in.readFully(b);
        JsonNode m = JSON.readTree(b);
        seen.add(m);
        return m;
    }

    /**
     * Reads until a message matches; on the way answers the other side's requests as a Syncro peer does: its
     * {@code noop} and {@code add_scribe} with {@code true}, a {@code sync} with an empty list.
     */
    JsonNode await(Predicate<JsonNode> wanted) throws IOException {
        while (true) {
            JsonNode m;
            try {
                m = read();
            } catch (SocketTimeoutException e) {
                throw new AssertionError("no expected message within " + timeoutMillis + " ms; saw " + seen);
            }
            if (wanted.test(m)) {
                return m;
            }
            String type = m.path("type").asText();
            if (type.equals("noop") || type.equals("add_scribe")) {
                send("{\"type\":\"response\",\"id\":" + m.get("id") + ",\"result\":true}");
            } else if (type.equals("sync")) {
                send("{\"type\":\"response\",\"id\":" + m.get("id") + ",\"result\":[]}");
            }
        }
    }

    /** Reads until the other side closes; false if it does not within the timeout. */
    boolean awaitClose() throws IOException {
        try {
            while (true) {
                read();
            }
        } catch (EOFException | java.net.SocketException e) {
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
