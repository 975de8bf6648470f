package io.scribe.core.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.Scribe;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** The in-memory {@link Store}: a list, two maps and one lock. Nothing survives the process. */
public final class MemoryStore implements Store {

    // The scribes as committed, by their parts and without the ids they get here: an id is the position, made when
    // a scribe is read.
    private final LogColumns log = new LogColumns();
    // The id of log.get(0) minus one: how many scribes compaction removed from the head.
    private long removed;
    private final Map<String, String> cursors = new HashMap<>();
    // The object states by class name, then by identity: an object's new state replaces its last one without a key
    // object made to find it.
    private final Map<String, Map<String, ObjectState>> objects = new HashMap<>();
    private long objectCount;

    @Override
    public synchronized long objectCount() {
        return objectCount;
    }

    @Override
    public synchronized List<Scribe> commit(Commit commit) {
        List<Scribe> scribes = commit.scribes();
        if (scribes.size() == 1 && commit.objects().size() <= 1 && commit.cursors().isEmpty()) {
            // The usual local write: one scribe, its object, and an immutable list of one for the result.
            if (commit.objects().size() == 1) {
                return List.of(commitOne(scribes.get(0), commit.objects().get(0)));
            }
            return List.of(append(scribes.get(0)));
        }
        List<Scribe> stored = new ArrayList<>(scribes.size());
        // Indexed: no iterator per commit.
        for (int i = 0; i < scribes.size(); i++) {
            stored.add(append(scribes.get(i)));
        }
        List<ObjectState> states = commit.objects();
        for (int i = 0; i < states.size(); i++) {
            put(states.get(i));
        }
        if (commit.cursors().isEmpty()) {
            return stored;
        }
        commit.cursors().forEach((client, cursor) -> {
            if (cursor.isEmpty()) {
                cursors.remove(client);
            } else {
                cursors.put(client, cursor);
            }
        });
        return stored;
    }

    /** {@link #commit} of one scribe and its object, without the commit's lists. */
    @Override
    public synchronized Scribe commitOne(Scribe scribe, ObjectState object) {
        return scribe.withId(Long.toString(commitOneId(scribe, object)));
    }

    /**
     * {@link #commitOne} returning the id the scribe got instead of the scribe under it, which the caller makes only
     * if it needs it: the usual local write into this store then allocates no scribe, id string or list for its
     * answer.
     */
    public synchronized long commitOneId(Scribe scribe, ObjectState object) {
        put(object);   // first: a state that cannot be kept (null) leaves the log as it was
        log.add(scribe);
        return removed + log.size();
    }

    /**
     * {@link #commitOneId} of a local update of one field given by its parts, which the log keeps as they are: the
     * scribe {@code [id, {key[0]: value}]} of {@code klass} by {@code origin} at {@code clock}, its base {@code
     * key[0]} at {@code baseClock}, where {@code key} is an array of the field's name alone shared by such updates
     * and never changed.
     */
    public synchronized long commitOneField(String klass, String origin, long clock, JsonNode id, String[] key,
            JsonNode value, long baseClock, ObjectState object) {
        put(object);   // first: a state that cannot be kept (null) leaves the log as it was
        log.addOneField(klass, origin, clock, id, key, value, baseClock);
        return removed + log.size();
    }

    /** Appends {@code scribe} to the log and returns it under its id. Caller holds the monitor. */
    private Scribe append(Scribe scribe) {
        log.add(scribe);
        return scribe.withId(Long.toString(removed + log.size()));
    }

    /** The scribe at {@code index} of the log, under its id. Caller holds the monitor. */
    private Scribe read(int index) {
        return log.get(index, Long.toString(removed + index + 1L));
    }

    @Override
    public synchronized List<Scribe> readAfter(long afterId, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        int from = (int) Math.max(0, Math.min(afterId - removed, log.size()));
        int to = (int) Math.min(log.size(), (long) from + limit);
        List<Scribe> page = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            page.add(read(i));
        }
        return java.util.Collections.unmodifiableList(page);
    }

    @Override
    public synchronized long lastId() {
        return removed + log.size();
    }

    @Override
    public synchronized Optional<String> cursor(String clientId) {
        return Optional.ofNullable(cursors.get(clientId));
    }

    @Override
    public synchronized Optional<ObjectState> object(String klass, String id) {
        Map<String, ObjectState> ofClass = objects.get(klass);
        return Optional.ofNullable(ofClass == null ? null : ofClass.get(id));
    }

    @Override
    public void forEachObject(Consumer<ObjectState> action) {
        List<ObjectState> copy;
        synchronized (this) {
            List<ObjectState> all = new ArrayList<>((int) Math.min(objectCount, Integer.MAX_VALUE - 8));
            objects.values().forEach(ofClass -> all.addAll(ofClass.values()));
            copy = all;
        }
        copy.forEach(action);
    }

    @Override
    public synchronized Map<String, String> cursors(String prefix) {
        Map<String, String> found = new HashMap<>();
        cursors.forEach((client, cursor) -> {
            if (client.startsWith(prefix)) {
                found.put(client, cursor);
            }
        });
        return found;
    }

    @Override
    public synchronized boolean compact(long upTo, java.util.Collection<ObjectState> tombstones) {
        int drop = (int) Math.max(0, Math.min(upTo - removed, log.size()));
        log.dropFirst(drop);
        removed += drop;
        for (ObjectState t : tombstones) {
            Map<String, ObjectState> ofClass = objects.get(t.klass());
            ObjectState held = ofClass == null ? null : ofClass.get(t.id());
            if (held != null && held.destroyed()) {
                ofClass.remove(t.id());
                objectCount--;
            }
        }
        return true;
    }

    /** Keeps {@code o} as its object's state. Caller holds the monitor. */
    private void put(ObjectState o) {
        if (objects.computeIfAbsent(o.klass(), k -> new HashMap<>()).put(o.id(), o) == null) {
            objectCount++;
        }
    }

}
