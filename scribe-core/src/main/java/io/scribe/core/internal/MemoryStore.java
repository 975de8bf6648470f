package io.scribe.core.internal;

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

    private final List<Scribe> log = new ArrayList<>();
    private final Map<String, String> cursors = new HashMap<>();
    private final Map<String, ObjectState> objects = new HashMap<>();

    @Override
    public synchronized List<Scribe> commit(Commit commit) {
        List<Scribe> stored = new ArrayList<>(commit.scribes().size());
        for (Scribe s : commit.scribes()) {
            Scribe withId = s.withId(Long.toString(log.size() + 1L));
            log.add(withId);
            stored.add(withId);
        }
        for (ObjectState o : commit.objects()) {
            objects.put(key(o.klass(), o.id()), o);
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

    @Override
    public synchronized List<Scribe> readAfter(long afterId, int limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        int from = (int) Math.max(0, Math.min(afterId, log.size()));
        int to = (int) Math.min(log.size(), (long) from + limit);
        return List.copyOf(log.subList(from, to));
    }

    @Override
    public synchronized long lastId() {
        return log.size();
    }

    @Override
    public synchronized Optional<String> cursor(String clientId) {
        return Optional.ofNullable(cursors.get(clientId));
    }

    @Override
    public synchronized Optional<ObjectState> object(String klass, String id) {
        return Optional.ofNullable(objects.get(key(klass, id)));
    }

    @Override
    public void forEachObject(Consumer<ObjectState> action) {
        List<ObjectState> copy;
        synchronized (this) {
            copy = List.copyOf(objects.values());
        }
        copy.forEach(action);
    }

    private static String key(String klass, String id) {
        return klass + '\u0000' + id;
    }

}
