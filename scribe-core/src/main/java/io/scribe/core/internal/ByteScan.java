package io.scribe.core.internal;

/**
 * A scan of JSON bytes that checks what it skips as a parser would (strings, escapes, UTF-8, numbers, literals,
 * nesting) and leaves to a parser whatever it is not sure of. Used by one thread.
 */
abstract class ByteScan {

    // Below the parser's own limit of nesting (1,000 in Jackson), counting the levels around what is skipped: anything
    // deeper is left to the parser.
    static final int MAX_DEPTH = 500;

    byte[] b;
    int end;
    int at;

    /** Skips spaces; the byte there, 0 at the end. */
    final byte space() {
        while (at < end) {
            byte c = b[at];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return c;
            }
            at++;
        }
        return 0;
    }

    /** Skips spaces and {@code c}; false when something else comes. */
    final boolean next(char c) {
        if (space() != c) {
            return false;
        }
        at++;
        return true;
    }

    final boolean literal(String word) {
        if (at + word.length() > end) {
            return false;
        }
        for (int i = 0; i < word.length(); i++) {
            if (b[at + i] != word.charAt(i)) {
                return false;
            }
        }
        at += word.length();
        return at >= end || !isWordByte(b[at]);
    }

    static boolean isWordByte(byte c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
                || c == '-' || c == '+';
    }

    /** Skips the elements after the first of an array (or the members of an object) and its closing {@code close}. */
    final boolean skipRest(char close, int depth) {
        while (true) {
            byte c = space();
            at++;
            if (c == close) {
                return true;
            }
            if (c != ',') {
                return false;
            }
            if (close == '}') {
                if (space() != '"' || !skipString() || !next(':')) {
                    return false;
                }
            }
            space();
            if (!skipValue(depth)) {
                return false;
            }
        }
    }

    /** Skips the value {@code at} is on (after spaces), checking that it is JSON. */
    final boolean skipValue(int depth) {
        byte c = space();
        if (c == '"') {
            return skipString();
        }
        if (c == '{' || c == '[') {
            if (depth >= MAX_DEPTH) {
                return false;
            }
            char close = c == '{' ? '}' : ']';
            at++;
            if (space() == close) {
                at++;
                return true;
            }
            if (c == '{') {
                if (space() != '"' || !skipString() || !next(':')) {
                    return false;
                }
            }
            return skipValue(depth + 1) && skipRest(close, depth + 1);
        }
        if (c == 't') {
            return literal("true");
        }
        if (c == 'f') {
            return literal("false");
        }
        if (c == 'n') {
            return literal("null");
        }
        return skipNumber();
    }

    /** Skips a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
    final boolean skipNumber() {
        int i = at;
        if (i < end && b[i] == '-') {
            i++;
        }
        int digits = i;
        while (i < end && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        if (i == digits || (i - digits > 1 && b[digits] == '0')) {
            return false;
        }
        if (i < end && b[i] == '.') {
            int f = ++i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == f) {
                return false;
            }
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int e = i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == e) {
                return false;
            }
        }
        if (i < end && isWordByte(b[i])) {
            return false;
        }
        at = i;
        return true;
    }

    /** Skips the string {@code at} is on (its opening quote): escapes checked, no control characters, UTF-8 checked. */
    final boolean skipString() {
        at++;
        while (true) {
            int c = b[at] & 0xff;
            if (c == '"') {
                at++;
                return true;
            }
            if (c < 0x20) {
                return false;
            }
            if (c == '\\') {
                byte e = b[at + 1];
                if (e == 'u') {
                    for (int i = 2; i < 6; i++) {
                        if (Character.digit(b[at + i], 16) < 0) {
                            return false;
                        }
                    }
                    at += 6;
                } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r'
                        || e == 't') {
                    at += 2;
                } else {
                    return false;
                }
            } else if (c < 0x80) {
                at++;
            } else {
                int more = c >= 0xf0 && c < 0xf5 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 && c < 0xe0 ? 1 : -1;
                if (more < 0 || c >= 0xf5) {
                    return false;
                }
                for (int i = 1; i <= more; i++) {
                    if ((b[at + i] & 0xc0) != 0x80) {
                        return false;
                    }
                }
                at += more + 1;
            }
        }
    }
}
