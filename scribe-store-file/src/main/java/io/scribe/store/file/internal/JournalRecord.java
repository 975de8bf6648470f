package io.scribe.store.file.internal;

import io.scribe.core.ScribeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One commit as the journal keeps it until it has been applied to the maps: the id of its first scribe, the encoded
 * scribes, the encoded object states by map key, and the cursors.
 *
 * <pre>
 * +---------+----+------------------+----+---------------------------+----+---------------------+
 * | firstId | nS | nS x (len, JSON) | nO | nO x (key UTF, len, JSON) | nC | nC x (UTF, UTF)     |
 * | int64   | i32|                  | i32|                           | i32|                     |
 * +---------+----+------------------+----+---------------------------+----+---------------------+
 * </pre>
 *
 * @param firstId the id of the first scribe (ignored when there is none)
 * @param scribes the scribes, JSON without their id
 * @param objects map key to object state JSON
 * @param cursors client GUID to cursor
 */
public record JournalRecord(long firstId, List<byte[]> scribes, Map<String, byte[]> objects,
        Map<String, String> cursors) {

    /** Serialises the record. */
    public byte[] encode() {
        try {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(buf);
            out.writeLong(firstId);
            out.writeInt(scribes.size());
            for (byte[] s : scribes) {
                out.writeInt(s.length);
                out.write(s);
            }
            out.writeInt(objects.size());
            for (Map.Entry<String, byte[]> e : objects.entrySet()) {
                writeString(out, e.getKey());
                out.writeInt(e.getValue().length);
                out.write(e.getValue());
            }
            out.writeInt(cursors.size());
            for (Map.Entry<String, String> e : cursors.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
            out.flush();
            return buf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses a record.
     *
     * @throws ScribeException if the bytes are not a record
     */
    public static JournalRecord decode(byte[] bytes) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            long first = in.readLong();
            int ns = count(in.readInt(), bytes.length);
            List<byte[]> scribes = new ArrayList<>(ns);
            for (int i = 0; i < ns; i++) {
                scribes.add(readBytes(in, bytes.length));
            }
            int no = count(in.readInt(), bytes.length);
            Map<String, byte[]> objects = new LinkedHashMap<>();
            for (int i = 0; i < no; i++) {
                objects.put(readString(in, bytes.length), readBytes(in, bytes.length));
            }
            int nc = count(in.readInt(), bytes.length);
            Map<String, String> cursors = new LinkedHashMap<>();
            for (int i = 0; i < nc; i++) {
                cursors.put(readString(in, bytes.length), readString(in, bytes.length));
            }
            if (in.available() != 0) {
                throw new IOException(in.available() + " trailing bytes");
            }
            return new JournalRecord(first, scribes, objects, cursors);
        } catch (IOException e) {
            throw new ScribeException(ScribeException.INTERNAL, "unreadable journal record: " + e.getMessage(), e);
        }
    }

    private static int count(int n, int total) throws IOException {
        if (n < 0 || n > total) {
            throw new IOException("bad count " + n);
        }
        return n;
    }

    private static byte[] readBytes(DataInputStream in, int total) throws IOException {
        byte[] b = new byte[count(in.readInt(), total)];
        in.readFully(b);
        return b;
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in, int total) throws IOException {
        return new String(readBytes(in, total), java.nio.charset.StandardCharsets.UTF_8);
    }
}
