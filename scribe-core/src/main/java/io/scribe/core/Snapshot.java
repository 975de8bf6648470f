package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The objects a peer may see, sent as scribes in place of history it can no longer be given (see {@link Compactor}):
 * each live object as a create under its identity's stamp and one update per other stamp, so that every field ends,
 * on the receiving peer, with this peer's value and the stamp of the write that set it. Playing them is an ordinary
 * last-writer-wins merge: a peer that holds an older copy takes what is newer, a peer that holds a newer value (an
 * edit not uploaded yet) keeps it.
 *
 * <p>Tombstones still kept here go as destroys, so the receiving peer refuses those identities as this one does.
 *
 * <p>A snapshot is taken at a log position: the objects' states then, in the order of their keys. It is sent in
 * pages like the log, under cursors of the form {@code snapshot:POSITION:KEY} (with {@code :CLOCK:ORIGIN} after it
 * when the object's scribes go on in the next page); the last page's cursor is the position, from which the asker
 * continues in the log.
 */
final class Snapshot {

    static final String PREFIX = "snapshot:";

    private static final Comparator<Key> ORDER = Comparator.comparing(Key::klass).thenComparing(Key::id);

    private Snapshot() {}

    /**
     * Where a snapshot's sending is: the log position it was taken at, the key of the last object sent (null before
     * the first) and, when that object's scribes did not fit one page, the stamp of the last of them sent ({@code
     * part}; null when the object was sent whole). An object is sent as its create and then its updates in the order
     * of their stamps, so the next page goes on with its updates stamped after {@code part}.
     */
    record Position(long log, Key after, Stamp part) {

        Position(long log, Key after) {
            this(log, after, null);
        }

        /** The cursor that names this position on the wire: {@code snapshot:LOG:KEY} or {@code snapshot:LOG:KEY:CLOCK:ORIGIN}. */
        String cursor() {
            String last = after == null ? "" : base64(after.klass() + "\n" + after.id());
            return PREFIX + log + ":" + last + (part == null || after == null ? ""
                    : ":" + part.clock() + ":" + base64(part.origin()));
        }

        /** Reads a snapshot cursor; null when {@code text} is not one (an ordinary log cursor, or malformed). */
        static Position parse(String text) {
            if (text == null || !text.startsWith(PREFIX)) {
                return null;
            }
            String[] parts = text.substring(PREFIX.length()).split(":", -1);
            if (parts.length != 2 && parts.length != 4) {
                return null;
            }
            try {
                long log = Long.parseLong(parts[0]);
                if (log < 0) {
                    return null;
                }
                if (parts[1].isEmpty()) {
                    return parts.length == 2 ? new Position(log, null) : null;
                }
                String key = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
                int nl = key.indexOf('\n');
                if (nl < 0) {
                    return null;
                }
                Key after = new Key(key.substring(0, nl), key.substring(nl + 1));
                if (parts.length == 2) {
                    return new Position(log, after);
                }
                String origin = new String(Base64.getUrlDecoder().decode(parts[3]), StandardCharsets.UTF_8);
                return origin.isEmpty() ? null : new Position(log, after, new Stamp(Long.parseLong(parts[2]), origin));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        private static String base64(String text) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** The keys of a snapshot being sent to one session, in order, kept between its pages. */
    record Keys(long log, List<Key> keys) {}

    /** Whether {@code cursor} names a place in a snapshot rather than in a log. */
    static boolean isCursor(String cursor) {
        return cursor != null && cursor.startsWith(PREFIX);
    }

    /**
     * The keys of the objects of registered classes, in snapshot order: the live ones, and with {@code tombstones} the
     * destroyed ones whose tombstones are still kept. Caller holds the engine lock.
     */
    static List<Key> keys(Scriber scriber, boolean tombstones) {
        List<Key> keys = new ArrayList<>();
        scriber.live.states.forEach((key, state) -> {
            if ((tombstones || !state.destroyed()) && scriber.classes.byKlass(key.klass()) != null) {
                keys.add(key);
            }
        });
        keys.sort(ORDER);
        return keys;
    }

    /**
     * The destroy a tombstone stands for: a peer that never held the object keeps the tombstone too, so that it
     * cannot create that identity again while this peer still refuses it.
     */
    static Scribe destroyOf(SyncedClass<?> c, ObjectState tombstone) {
        return new Scribe(null, c.klass, Scribe.Type.DESTROY,
                Json.NODES.arrayNode().add(tombstone.fields().get(c.idField.name())), tombstone.tombstone().origin(),
                tombstone.tombstone().clock(), Map.of());
    }

    /** The index in {@code keys} of the first key after {@code after} (0 for null). */
    static int indexAfter(List<Key> keys, Key after) {
        if (after == null) {
            return 0;
        }
        int i = Collections.binarySearch(keys, after, ORDER);
        return i >= 0 ? i + 1 : -i - 1;
    }

    /**
     * The scribes that rebuild {@code state}: a create under the identity field's stamp holding the fields written
     * with that stamp, then an update for each other stamp, oldest first, each with the bases its fields had.
     * {@code fallback} stamps a field that has none (written by a clockless Syncro peer before stamps were kept).
     */
    static List<Scribe> scribesOf(SyncedClass<?> c, ObjectState state, Stamp fallback) {
        String idName = c.idField.name();
        JsonNode idNode = state.fields().get(idName);
        Stamp idStamp = state.stamps().getOrDefault(idName, fallback);
        Map<Stamp, Group> groups = new TreeMap<>();
        Group create = new Group();
        groups.put(idStamp, create);
        for (var it = state.fields().fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (c.policy.keyMerged().contains(name)) {
                JsonNode value = e.getValue();
                Map<String, Stamp> keyStamps = new HashMap<>();
                String prefix = name + "/";
                state.stamps().forEach((stampName, stamp) -> {
                    if (stampName.startsWith(prefix)) {
                        keyStamps.put(stampName.substring(prefix.length()), stamp);
                    }
                });
                // The field exists, if only as an empty object.
                child(create.data, name);
                if (value != null && value.isObject()) {
                    value.fields().forEachRemaining(k -> {
                        if (!keyStamps.containsKey(k.getKey())) {
                            child(create.data, name).set(k.getKey(), k.getValue());
                        }
                    });
                }
                keyStamps.forEach((k, stamp) -> {
                    Group g = groups.computeIfAbsent(stamp, s -> new Group());
                    JsonNode v = value != null && value.isObject() ? value.get(k) : null;
                    child(g.data, name).set(k, v == null ? Json.NODES.nullNode() : v);
                    if (stamp.base() != 0) {
                        g.base.put(prefix + k, stamp.base());
                    }
                });
                continue;
            }
            Stamp stamp = state.stamps().getOrDefault(name, idStamp);
            Group g = groups.computeIfAbsent(stamp, s -> new Group());
            g.data.set(name, e.getValue());
            if (stamp.base() != 0) {
                g.base.put(name, stamp.base());
            }
        }
        List<Scribe> scribes = new ArrayList<>(groups.size());
        create.data.set(idName, idNode);
        scribes.add(new Scribe(null, c.klass, Scribe.Type.CREATE, create.data, idStamp.origin(), idStamp.clock(),
                create.base));
        groups.forEach((stamp, g) -> {
            if (g != create && !g.data.isEmpty()) {
                scribes.add(new Scribe(null, c.klass, Scribe.Type.UPDATE,
                        Json.NODES.arrayNode().add(idNode).add(g.data), stamp.origin(), stamp.clock(), g.base));
            }
        });
        return scribes;
    }

    /** The stamp one of an object's {@link #scribesOf scribes} carries, as a snapshot cursor names a part by it. */
    static Stamp stampOf(Scribe s) {
        return new Stamp(s.clock(), s.origin());
    }

    /**
     * Of an object's {@link #scribesOf scribes}, the updates stamped after {@code part}: what is left of it after a
     * page that ended inside it (its create went first).
     */
    static List<Scribe> stampedAfter(List<Scribe> scribes, Stamp part) {
        List<Scribe> rest = new ArrayList<>();
        for (int i = 1; i < scribes.size(); i++) {
            Scribe s = scribes.get(i);
            if (stampOf(s).compareTo(part) > 0) {
                rest.add(s);
            }
        }
        return rest;
    }

    /**
     * One create holding every field's current value, as a create in the log holds it, for a Syncro peer (it keeps
     * no stamps).
     */
    static Scribe createOf(SyncedClass<?> c, ObjectState state, Stamp fallback) {
        Stamp idStamp = state.stamps().getOrDefault(c.idField.name(), fallback);
        return new Scribe(null, c.klass, Scribe.Type.CREATE, state.fields().deepCopy(), idStamp.origin(), idStamp.clock(), Map.of());
    }

    private static ObjectNode child(ObjectNode parent, String name) {
        JsonNode existing = parent.get(name);
        return existing instanceof ObjectNode o ? o : parent.putObject(name);
    }

    /** The fields written under one stamp. */
    private static final class Group {
        final ObjectNode data = Json.object();
        final Map<String, Long> base = new HashMap<>();
    }
}
