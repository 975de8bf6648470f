package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Stamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Lists that keep concurrent inserts (see {@link Policy#withListMerge(String...)}). Such a field is held as a JSON
 * object with one key per inserted element, an id unique to the insert, whose value is {@code [position, element]}:
 * {@code position} is a fractional index, a string of base-62 digits ({@code 0-9A-Za-z}, in ASCII order, never
 * ending with {@code 0}) that sorts between its neighbours' at the time of the insert. The Java list is the elements
 * ordered by (position, id). An element is never changed in place: a removal sets its key to null for good, and a
 * moved or changed element is a removal and an insert under a new id. So every key is written at most twice (its
 * insert, then its removal) and the removal wins whatever order they arrive in.
 */
final class ListMerge {

    /** The digits of a position, in the order of their characters. */
    private static final String DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int BASE = DIGITS.length();
    /** Above this many comparisons (old elements times new, after the common head and tail) no LCS is computed. */
    private static final long MAX_DIFF_CELLS = 4_000_000;

    private ListMerge() {}

    /** One held element. */
    record Entry(String id, String position, JsonNode element) {}

    /**
     * Whether an incoming write of one element replaces the current one: a removal stays (the element is gone for
     * good); a removal replaces the insert; an insert replaces nothing but a copy of itself (only a duplicate of
     * the same insert can arrive, ids being unique). The result does not depend on the order writes arrive in.
     *
     * @param present whether the element is in the list now
     * @param inserts whether the incoming write inserts the element (else it removes it)
     */
    static boolean replaces(Stamp current, boolean present, Stamp incoming, boolean inserts) {
        if (!present) {
            return false;
        }
        return !inserts || incoming.compareTo(current) > 0;
    }

    /**
     * The held elements ordered by (position, id), removed keys (null) skipped.
     *
     * @throws ScribeException with code 400 if a value is not {@code [position, element]} with a valid position
     */
    static List<Entry> entries(String field, JsonNode held) {
        List<Entry> entries = new ArrayList<>();
        if (held == null || !held.isObject()) {
            return entries;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = held.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isNull()) {
                continue;
            }
            if (!v.isArray() || v.size() != 2 || !v.get(0).isTextual() || !validPosition(v.get(0).asText())) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "field " + field + " merges as a list: "
                        + "element " + e.getKey() + " must be [position, element] with a position of digits "
                        + "0-9A-Za-z not ending with 0, not " + abbreviate(v));
            }
            entries.add(new Entry(e.getKey(), v.get(0).asText(), v.get(1)));
        }
        entries.sort((a, b) -> {
            int byPosition = a.position.compareTo(b.position);
            return byPosition != 0 ? byPosition : a.id.compareTo(b.id);
        });
        return entries;
    }

    /** The held elements in list order as a JSON array, for the field's list type. */
    static ArrayNode elements(String field, JsonNode held) {
        ArrayNode array = Json.NODES.arrayNode();
        for (Entry e : entries(field, held)) {
            array.add(e.element);
        }
        return array;
    }

    /**
     * The held object after a local change of the list: {@code now} (the list as JSON, an array; null counts as
     * empty) diffed against {@code held}. Elements kept (a longest common subsequence) keep their ids and positions;
     * the others are left out (removed); new ones get ids from {@code ids} and positions between their neighbours.
     * Returns {@code held} itself when the elements are the same.
     */
    static JsonNode hold(SyncedClass<?> c, FieldModel f, JsonNode held, JsonNode now, IdSource ids) {
        String field = c.klass + "." + f.name();
        List<Entry> old = entries(field, held);
        List<JsonNode> wanted = new ArrayList<>();
        if (now != null && now.isArray()) {
            now.forEach(wanted::add);
        }
        // The old elements as the field's type writes them, so that a stored 2 equals a long 2 written here.
        List<JsonNode> before = new ArrayList<>(old.size());
        JsonNode normalized = old.isEmpty() ? Json.NODES.arrayNode() : c.toJson(f, c.fromJson(f, held));
        normalized.forEach(before::add);
        if (before.size() != old.size()) {
            before.clear();
            old.forEach(e -> before.add(e.element));
        }
        if (held != null && held.isObject() && before.equals(wanted)) {
            return held;
        }
        int[] match = match(before, wanted);
        ObjectNode result = Json.object();
        String last = null;
        int i = 0;
        int n = wanted.size();
        while (i < n) {
            if (match[i] >= 0) {
                Entry kept = old.get(match[i]);
                result.set(kept.id, held.get(kept.id));
                last = kept.position;
                i++;
                continue;
            }
            int j = i;
            while (j < n && match[j] < 0) {
                j++;
            }
            // Kept neighbours of equal position (concurrent inserts at one place) leave no room between them: the
            // right one is inserted again after the new ones.
            while (j < n && last != null && old.get(match[j]).position.compareTo(last) <= 0) {
                match[j] = -1;
                while (j < n && match[j] < 0) {
                    j++;
                }
            }
            String high = j < n ? old.get(match[j]).position : null;
            for (int k = i; k < j; k++) {
                String id = ids.next();
                String position = between(last == null ? "" : last, high, id);
                result.set(id, Json.NODES.arrayNode().add(position).add(wanted.get(k)));
                last = position;
            }
            i = j;
        }
        return canonical(result);
    }

    /**
     * The held object with its keys in id order, so that peers that received the same inserts in other orders
     * store the same text.
     */
    static ObjectNode canonical(ObjectNode held) {
        java.util.TreeMap<String, JsonNode> sorted = new java.util.TreeMap<>();
        held.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
        ObjectNode result = Json.object();
        sorted.forEach(result::set);
        return result;
    }

    /** For each new element, the index of the old element it keeps, or -1 (a longest common subsequence). */
    private static int[] match(List<JsonNode> before, List<JsonNode> after) {
        int[] match = new int[after.size()];
        Arrays.fill(match, -1);
        int o = before.size();
        int n = after.size();
        int head = 0;
        while (head < o && head < n && before.get(head).equals(after.get(head))) {
            match[head] = head;
            head++;
        }
        int tail = 0;
        while (tail < o - head && tail < n - head && before.get(o - 1 - tail).equals(after.get(n - 1 - tail))) {
            match[n - 1 - tail] = o - 1 - tail;
            tail++;
        }
        int om = o - head - tail;
        int nm = n - head - tail;
        if (om == 0 || nm == 0 || (long) om * nm > MAX_DIFF_CELLS) {
            return match;
        }
        int[][] lcs = new int[om + 1][nm + 1];
        for (int a = om - 1; a >= 0; a--) {
            for (int b = nm - 1; b >= 0; b--) {
                lcs[a][b] = before.get(head + a).equals(after.get(head + b)) ? lcs[a + 1][b + 1] + 1
                        : Math.max(lcs[a + 1][b], lcs[a][b + 1]);
            }
        }
        int a = 0;
        int b = 0;
        while (a < om && b < nm) {
            if (before.get(head + a).equals(after.get(head + b))) {
                match[head + b] = head + a;
                a++;
                b++;
            } else if (lcs[a + 1][b] >= lcs[a][b + 1]) {
                a++;
            } else {
                b++;
            }
        }
        return match;
    }

    /**
     * A position strictly between {@code low} ({@code ""}: the start) and {@code high} (null: the end): their
     * midpoint, then three digits drawn from the element's id, so that two peers inserting at one place rarely
     * choose the same position (when they do, the ids order the elements).
     */
    static String between(String low, String high, String id) {
        String mid = midpoint(low, high);
        int h = id.hashCode();
        char[] tail = new char[3];
        for (int k = 0; k < 3; k++) {
            tail[k] = DIGITS.charAt(Math.floorMod(h, BASE));
            h = h / BASE;
        }
        if (tail[2] == '0') {
            tail[2] = '1';
        }
        // The midpoint is never a prefix of high, so anything appended to it stays below high.
        return mid + new String(tail);
    }

    /**
     * A string of digits strictly between {@code a} and {@code b} (null: above everything), not ending with 0 and
     * never a prefix of {@code b}. Needs {@code a < b}, both without a trailing 0.
     */
    static String midpoint(String a, String b) {
        if (b != null) {
            int n = 0;
            while (n < b.length() && (n < a.length() ? a.charAt(n) : '0') == b.charAt(n)) {
                n++;
            }
            if (n > 0) {
                return b.substring(0, n) + midpoint(n < a.length() ? a.substring(n) : "", b.substring(n));
            }
        }
        int da = a.isEmpty() ? 0 : DIGITS.indexOf(a.charAt(0));
        int db = b == null ? BASE : DIGITS.indexOf(b.charAt(0));
        if (db - da > 1) {
            return String.valueOf(DIGITS.charAt((da + db) / 2));
        }
        // Adjacent digits: keep a's and go above the rest of a.
        return DIGITS.charAt(da) + midpoint(a.length() > 1 ? a.substring(1) : "", null);
    }

    private static boolean validPosition(String position) {
        if (position.isEmpty() || position.charAt(position.length() - 1) == '0') {
            return false;
        }
        for (int i = 0; i < position.length(); i++) {
            if (DIGITS.indexOf(position.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(JsonNode v) {
        String text = v.toString();
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }

    /** New element ids for one local change: {@code <clock in base 36>.<n>.<GUID>}, unique to the insert. */
    static final class IdSource {
        private final Scriber scriber;
        private String prefix;
        private int n;

        IdSource(Scriber scriber) {
            this.scriber = scriber;
        }

        String next() {
            if (prefix == null) {
                prefix = Long.toString(scriber.hlc.tick(), 36);
            }
            return prefix + "." + (n++) + "." + scriber.guid;
        }
    }
}
