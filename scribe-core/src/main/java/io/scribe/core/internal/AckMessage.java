package io.scribe.core.internal;

/**
 * Recognises the one message a receiver sends most, the cumulative {@code ack}, in the exact form Scribe peers write
 * it ({@code {"type":"ack","up_to":"N"}}), so that it is handled without building a JSON tree: on a server pushing to
 * many sessions, one arrives for every few pushes from every session. Anything else, the same ack written another way
 * included (spaces, other key order, more members), is not recognised and goes through the general parser, which
 * reads it the same.
 */
public final class AckMessage {

    private static final String PREFIX = "{\"type\":\"ack\",\"up_to\":\"";
    private static final String SUFFIX = "\"}";
    /** At most 18 digits: every such number fits a long. */
    private static final int MAX_DIGITS = 18;

    private AckMessage() {}

    /** The position {@code message} acknowledges, or -1 when it is not an ack in the exact form. */
    public static long position(String message) {
        int n = message.length();
        int digits = n - PREFIX.length() - SUFFIX.length();
        if (digits < 1 || digits > MAX_DIGITS || !message.startsWith(PREFIX) || !message.endsWith(SUFFIX)) {
            return -1;
        }
        long value = 0;
        for (int i = PREFIX.length(), end = n - SUFFIX.length(); i < end; i++) {
            char c = message.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /** As {@link #position(String)}, for the UTF-8 bytes {@code buf[offset, offset+length)}. */
    public static long position(byte[] buf, int offset, int length) {
        int digits = length - PREFIX.length() - SUFFIX.length();
        if (digits < 1 || digits > MAX_DIGITS) {
            return -1;
        }
        for (int i = 0; i < PREFIX.length(); i++) {
            if (buf[offset + i] != PREFIX.charAt(i)) {
                return -1;
            }
        }
        int end = offset + length - SUFFIX.length();
        if (buf[end] != '"' || buf[end + 1] != '}') {
            return -1;
        }
        long value = 0;
        for (int i = offset + PREFIX.length(); i < end; i++) {
            byte c = buf[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
