package io.scribe.core.internal;

import com.fasterxml.jackson.core.JsonParser;
import java.io.IOException;

/**
 * The last {@code klass} and {@code origin} read from a run of scribes (a page, a read of a store's log): a scribe
 * that names the same one gets the same string instead of a new one, since the scribes of a log mostly share a few.
 * Less to allocate while reading, and less to hold for a store that keeps the scribes on the heap. Used by one thread.
 */
final class RecentTexts {

    private String klass;
    private String origin;

    /** The {@code klass} string {@code p} is on. */
    String klass(JsonParser p) throws IOException {
        return klass = same(p, klass);
    }

    /** The {@code origin} string {@code p} is on. */
    String origin(JsonParser p) throws IOException {
        return origin = same(p, origin);
    }

    /** The string {@code p} is on: {@code last} when it has the same characters, else a new one. */
    private static String same(JsonParser p, String last) throws IOException {
        if (last != null && equal(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), last)) {
            return last;
        }
        return p.getText();
    }

    /** Whether {@code text[offset, offset+length)} holds the characters of {@code s}. */
    private static boolean equal(char[] text, int offset, int length, String s) {
        if (length != s.length()) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (text[offset + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
