package io.scribe.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import io.scribe.core.spi.Connection;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A peer that speaks the Scribe protocol by hand, to send a server what a well-behaved Scriber never would: forged
 * origins, stamps far ahead, malformed values, broken frames, floods. Made by {@link #tcp} (length-prefixed {@code u32}
 * frames over a socket), {@link #webSocket} or {@link #inProcess} (a session of a Scriber in this JVM).
 *
 * <p>While it waits for an answer it answers the server's own requests as an empty peer would (an empty catch-up page,
 * {@code true} to pushes and keep-alives). Not thread-safe: one test thread drives it.
 */
public abstract class RawPeer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Messages received and not yet looked at, in order. */
    protected final BlockingQueue<JsonNode> inbox = new LinkedBlockingQueue<>();
    private final AtomicInteger ids = new AtomicInteger(1_000_000);
    private final String clientId;

    protected RawPeer(String clientId) {
        this.clientId = clientId;
    }

    /** The client id this peer named itself with. */
    public String clientId() {
        return clientId;
    }

    /** Sends one message as is. */
    public abstract void send(JsonNode message);

    /** Sends raw bytes on the stream (frames broken on purpose). Only stream transports can. */
    public void sendBytes(byte[] bytes) {
        throw new UnsupportedOperationException("this transport sends whole messages only");
    }

    /** Whether {@link #sendBytes} is supported. */
    public boolean streams() {
        return false;
    }

    /** Whether the connection is still open, as far as this side knows. */
    public abstract boolean isOpen();

    /** The next message received within {@code millis}, or null. */
    protected JsonNode poll(long millis) {
        try {
            return inbox.poll(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** A new object node for building messages. */
    public static ObjectNode object() {
        return JSON.createObjectNode();
    }

    /** Gives {@code message} a fresh request id, sends it and returns the id. */
    public int sendRequest(ObjectNode message) {
        int id = ids.incrementAndGet();
        message.put("id", id);
        send(message);
        return id;
    }

    /**
     * Sends a request with a fresh id and returns the server's {@code response} or {@code error} for it, answering
     * the server's requests meanwhile; null when none came within {@code timeout} or the connection closed.
     */
    public JsonNode request(ObjectNode message, Duration timeout) {
        return await(sendRequest(message), timeout);
    }

    /** Waits for the answer to request {@code id}; see {@link #request}. */
    public JsonNode await(int id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode m = poll(20);
            if (m == null) {
                if (!isOpen() && inbox.isEmpty()) {
                    return null;
                }
                continue;
            }
            String type = m.path("type").asText();
            if ((type.equals("response") || type.equals("error")) && m.path("id").asInt(-1) == id) {
                return m;
            }
            answer(m);
        }
        return null;
    }

    /** Waits until the connection is closed by the server, answering its requests; false if still open. */
    public boolean awaitClosed(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode m = poll(20);
            if (m != null) {
                answer(m);
            } else if (!isOpen()) {
                return true;
            }
        }
        return !isOpen();
    }

    /** The messages received so far without waiting, answering the server's requests among them. */
    public java.util.List<JsonNode> drain() {
        java.util.List<JsonNode> got = new java.util.ArrayList<>();
        JsonNode m;
        while ((m = poll(50)) != null) {
            got.add(m);
            answer(m);
        }
        return got;
    }

    /** Answers what the server asks of an empty peer. */
    private void answer(JsonNode m) {
        String type = m.path("type").asText();
        JsonNode id = m.get("id");
        if (id == null || !isOpen()) {
            return;
        }
        ObjectNode response = object().put("type", "response");
        response.set("id", id);
        switch (type) {
            case "sync" -> {
                response.putArray("result");
                response.put("more", false);
            }
            case "add_scribe", "noop" -> response.put("result", true);
            default -> {
                return;
            }
        }
        send(response);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Connects over length-prefixed {@code u32} TCP frames and sends the hello naming {@code clientId}.
     *
     * @throws IOException if the connection or the hello fails (the server's refusal included)
     */
    public static RawPeer tcp(String host, int port, String clientId) throws IOException {
        return new Tcp(host, port, clientId);
    }

    /**
     * Connects over WebSocket and sends the hello naming {@code clientId}.
     *
     * @throws IOException if the connection or the hello fails
     */
    public static RawPeer webSocket(URI uri, String clientId) throws IOException {
        return new Ws(uri, clientId);
    }

    /**
     * Opens a session of {@code server} for {@code clientId} in this JVM, with {@code server}'s default wire (its
     * framing must be length-prefixed, as {@link Wire#scribe()}), and
     * starts its catch-up as a transport would.
     *
     * @throws io.scribe.core.ScribeException if the Scriber refuses the session (a connected client, for instance)
     */
    public static RawPeer inProcess(Scriber server, String clientId) {
        return new InProcess(server, clientId);
    }

    private static final class Tcp extends RawPeer {
        private final Socket socket;
        private final OutputStream out;
        private volatile boolean open = true;

        Tcp(String host, int port, String clientId) throws IOException {
            super(clientId);
            socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            writeFrame(JSON.createObjectNode().put("type", "hello").put("client", clientId));
            socket.setSoTimeout(10_000);
            JsonNode hello = readFrame(in);
            if (hello == null || !"hello".equals(hello.path("type").asText())) {
                socket.close();
                throw new IOException("handshake refused: " + hello);
            }
            socket.setSoTimeout(0);
            Thread reader = new Thread(() -> {
                try {
                    JsonNode m;
                    while ((m = readFrame(in)) != null) {
                        inbox.add(m);
                    }
                } catch (IOException e) {
                    // closed
                } finally {
                    open = false;
                }
            }, "raw-peer-" + clientId);
            reader.setDaemon(true);
            reader.start();
        }

        private static JsonNode readFrame(DataInputStream in) throws IOException {
            int length;
            try {
                length = in.readInt();
            } catch (java.io.EOFException e) {
                return null;
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            try {
                return JSON.readTree(payload);
            } catch (IOException e) {
                return JSON.createObjectNode().put("type", "unreadable");
            }
        }

        private void writeFrame(JsonNode message) throws IOException {
            byte[] payload = JSON.writeValueAsBytes(message);
            synchronized (out) {
                out.write(Wire.scribe().frame(payload));
                out.flush();
            }
        }

        @Override
        public void send(JsonNode message) {
            try {
                writeFrame(message);
            } catch (IOException e) {
                open = false;
            }
        }

        @Override
        public void sendBytes(byte[] bytes) {
            try {
                synchronized (out) {
                    out.write(bytes);
                    out.flush();
                }
            } catch (IOException e) {
                open = false;
            }
        }

        @Override
        public boolean streams() {
            return true;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    private static final class Ws extends RawPeer {
        private final WebSocket socket;
        private volatile boolean open = true;

        Ws(URI uri, String clientId) throws IOException {
            super(clientId);
            CompletableFuture<JsonNode> hello = new CompletableFuture<>();
            WebSocket.Listener listener = new WebSocket.Listener() {
                private final StringBuilder parts = new StringBuilder();

                @Override
                public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                    parts.append(data);
                    if (last) {
                        JsonNode m;
                        try {
                            m = JSON.readTree(parts.toString());
                        } catch (IOException e) {
                            m = JSON.createObjectNode().put("type", "unreadable");
                        }
                        parts.setLength(0);
                        if (!hello.isDone()) {
                            hello.complete(m);
                        } else {
                            inbox.add(m);
                        }
                    }
                    ws.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
                    open = false;
                    hello.complete(null);
                    return null;
                }

                @Override
                public void onError(WebSocket ws, Throwable error) {
                    open = false;
                    hello.complete(null);
                }
            };
            try {
                socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                        .buildAsync(uri, listener).get(10, TimeUnit.SECONDS);
                socket.sendText(JSON.createObjectNode().put("type", "hello").put("client", clientId).toString(), true)
                        .get(10, TimeUnit.SECONDS);
                JsonNode answer = hello.get(10, TimeUnit.SECONDS);
                if (answer == null || !"hello".equals(answer.path("type").asText())) {
                    throw new IOException("handshake refused: " + answer);
                }
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("cannot connect to " + uri + ": " + e, e);
            }
        }

        @Override
        public void send(JsonNode message) {
            sendText(message.toString());
        }

        /** Sends one text message as is (not necessarily JSON). */
        void sendText(String text) {
            try {
                socket.sendText(text, true).get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                open = false;
            }
        }

        @Override
        public boolean isOpen() {
            return open && !socket.isInputClosed();
        }

        @Override
        public void close() {
            open = false;
            socket.abort();
        }
    }

    private static final class InProcess extends RawPeer {
        private final Session session;
        private final Wire wire;
        private volatile boolean open = true;

        InProcess(Scriber server, String clientId) {
            super(clientId);
            Wire[] sessionWire = new Wire[1];
            this.session = server.client(clientId).connect(new Connection() {
                @Override
                public void send(byte[] frame) {
                    int prefix = sessionWire[0] == null ? 4 : sessionWire[0].framing().prefixBytes();
                    try {
                        inbox.add(JSON.readTree(java.util.Arrays.copyOfRange(frame, prefix, frame.length)));
                    } catch (IOException e) {
                        inbox.add(JSON.createObjectNode().put("type", "unreadable"));
                    }
                }

                @Override
                public void close() {
                    open = false;
                }
            });
            this.wire = session.wire();
            sessionWire[0] = wire;
            session.sync();
        }

        @Override
        public void send(JsonNode message) {
            sendBytes(wire.frame(message.toString().getBytes(StandardCharsets.UTF_8)));
        }

        @Override
        public void sendBytes(byte[] bytes) {
            session.receiveData(bytes);
        }

        @Override
        public boolean streams() {
            return true;
        }

        @Override
        public boolean isOpen() {
            return open && session.isOpen();
        }

        @Override
        public void close() {
            session.disconnect();
        }
    }

    /** Closes the connection. */
    @Override
    public abstract void close();
}
