package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.spi.Connection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A connection that keeps what the session sends, decoded, for assertions on the bytes on the wire. */
class Capture implements Connection {
    final List<byte[]> frames = new ArrayList<>();
    final int prefix;
    boolean closed;

    Capture(int prefix) {
        this.prefix = prefix;
    }

    @Override
    public synchronized void send(byte[] frame) {
        frames.add(frame);
    }

    @Override
    public void close() {
        closed = true;
    }

    synchronized List<JsonNode> messages() {
        List<JsonNode> result = new ArrayList<>();
        for (byte[] f : frames) {
            int declared = prefix == 2 ? ((f[0] & 0xFF) << 8) | (f[1] & 0xFF)
                    : ((f[0] & 0xFF) << 24) | ((f[1] & 0xFF) << 16) | ((f[2] & 0xFF) << 8) | (f[3] & 0xFF);
            if (declared != f.length - prefix) {
                throw new AssertionError("prefix says " + declared + " but frame carries " + (f.length - prefix));
            }
            try {
                result.add(Peers.JSON.readTree(new String(f, prefix, f.length - prefix, StandardCharsets.UTF_8)));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        return result;
    }

    synchronized JsonNode last() {
        List<JsonNode> all = messages();
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    synchronized void clear() {
        frames.clear();
    }

    /** A u32 frame around a JSON text. */
    static byte[] frame(String json) {
        return frame(4, json.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] frame(int prefix, byte[] payload) {
        return io.scribe.core.internal.FrameDecoder.encode(prefix, payload);
    }
}
