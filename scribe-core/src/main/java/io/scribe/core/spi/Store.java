package io.scribe.core.spi;

import io.scribe.core.Scribe;
import io.scribe.core.internal.MemoryStore;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where a peer keeps what must outlive a connection: its scribe log, each client's cursor and the latest state of
 * each synced object.
 *
 * <p>Contract (checked by {@code StoreContractTest} in scribe-testkit, which every implementation runs):
 * <ul>
 *   <li>{@link #commit} is atomic and durable to the degree the implementation documents. Appended scribes get ids
 *       {@code lastId()+1, lastId()+2, ...}: strictly increasing, never reused, also across restarts.
 *   <li>{@link #readAfter} returns scribes with ids greater than {@code afterId} in ascending order, at most
 *       {@code limit} of them.
 *   <li>Implementations are thread-safe. The Scriber serialises its own writes, but reads may come from any thread.
 * </ul>
 */
public interface Store extends AutoCloseable {

    /**
     * Atomically appends {@code commit.scribes()} (assigning their ids), upserts {@code commit.objects()} and sets
     * {@code commit.cursors()}.
     *
     * @return the appended scribes, in order, with the ids they were stored under
     * @throws io.scribe.core.ScribeException if the write failed; then nothing of it was applied
     */
    List<Scribe> commit(Commit commit);

    /**
     * The commit of one scribe and the state of its object, and nothing else (the usual local write): the same as
     * {@code commit(new Commit(List.of(scribe), List.of(object), Map.of())).get(0)}, which is what the default does.
     * A store may do it without building the commit and its lists; a store that wraps another (a
     * {@link ForwardingStore}) keeps the default, so that its {@link #commit} sees every write.
     *
     * @return {@code scribe} with the id it was stored under
     * @throws io.scribe.core.ScribeException if the write failed; then nothing of it was applied
     */
    default Scribe commitOne(Scribe scribe, ObjectState object) {
        return commit(new Commit(List.of(scribe), List.of(object), java.util.Map.of())).get(0);
    }

    /**
     * Refuses, before it is played, a remote scribe this store could not keep: too large for one commit, or holding
     * a value the store cannot represent. The Scriber asks it for every scribe a peer sends, so that what would fail
     * here (and on every peer with the same store) is refused at the first hop with a clear error instead. Must be
     * quick and must not write. The default accepts everything.
     *
     * @param encodedBytes the size of the scribe as UTF-8 JSON, or an upper bound of it when that is at most 64 KiB
     *     (the size of the frame that carried it, or one computed without writing it)
     * @throws io.scribe.core.ScribeException with code 413 (too large) or 400 (a value the store cannot keep)
     */
    default void check(Scribe scribe, long encodedBytes) {}

    /** Returns up to {@code limit} scribes whose id is greater than {@code afterId}, ascending. */
    List<Scribe> readAfter(long afterId, int limit);

    /**
     * Returns the same scribes as {@link #readAfter} (same ids, same order, same limit), each as the bytes this store
     * keeps it in: see {@link StoredScribe}. A store that keeps scribes as {@link Codec#json()} bytes without their
     * id should return those bytes as they are, so that a catch-up page is put together without decoding them; the
     * default reads the scribes with {@link #readAfter} and encodes each one.
     */
    default List<StoredScribe> readStoredAfter(long afterId, int limit) {
        List<Scribe> read = readAfter(afterId, limit);
        List<StoredScribe> stored = new java.util.ArrayList<>(read.size());
        for (Scribe s : read) {
            stored.add(new StoredScribe(Long.parseLong(s.id()), Codec.json().encode(s.withId(null))));
        }
        return stored;
    }

    /** Returns the id of the newest scribe in the log, or 0 when the log is empty. */
    long lastId();

    /** Returns the cursor stored for a client, if any. */
    Optional<String> cursor(String clientId);

    /** Returns the latest state of one object, a tombstone included. */
    Optional<ObjectState> object(String klass, String id);

    /** Calls {@code action} with every stored object state, tombstones included, in no particular order. */
    void forEachObject(Consumer<ObjectState> action);

    /**
     * About how many object states (live objects and tombstones) {@link #forEachObject} would hand over, when the
     * store can tell without reading them; -1 when it cannot. Only sizes what a Scriber builds when it starts.
     */
    default long objectCount() {
        return -1;
    }

    /**
     * Returns every stored cursor whose client key starts with {@code prefix}, keyed by the whole client key. The
     * engine lists its own bookkeeping entries with it (what each remote peer acknowledged, for compaction); it is
     * read rarely and may be slow. Stores that support {@link #compact} must implement it; the default returns none.
     */
    default java.util.Map<String, String> cursors(String prefix) {
        return java.util.Map.of();
    }

    /**
     * Removes old history: the log's scribes with ids up to and including {@code upTo}, and the states of the
     * objects named in {@code tombstones} where the stored state is still a tombstone. Nothing else changes:
     * {@link #lastId()} stays, the next append gets the next id as before (also after a restart), cursors and live
     * objects stay, and {@link #readAfter} of a position below {@code upTo} returns only the scribes after it. Need
     * not be atomic with respect to other writes, but every scribe and state it removes stays removed. The engine
     * records how far it compacted (as a cursor) before it calls this, and calls it under its write lock.
     *
     * @param upTo the id of the last scribe to remove, at most {@link #lastId()}
     * @param tombstones tombstones to remove; a state that is no longer a tombstone is kept
     * @return {@code false} if this store cannot compact (the default), and then nothing was removed
     */
    default boolean compact(long upTo, java.util.Collection<ObjectState> tombstones) {
        return false;
    }

    /**
     * Asks to be told when another process appended to this store's log: server nodes that share one store use it
     * to push each other's new scribes to their own sessions. The listener may be called from any thread, at least
     * once after each foreign commit (several commits may be folded into one call); it must not block. Stores that
     * are not shared between processes keep the default, which never calls it.
     */
    default void watch(Runnable listener) {}

    /** Releases the store's resources. The default does nothing. */
    @Override
    default void close() {}

    /** Returns a new, empty store that keeps everything in memory: the default, and the reference for tests. */
    static Store inMemory() {
        return new MemoryStore();
    }

    /**
     * Opens a store from a URL: {@code memory:} here, and whatever the {@link StoreProvider}s on the class path
     * serve ({@code file:DIR}, {@code redis://HOST:PORT/DB?prefix=P}, {@code postgresql://HOST/DB?schema=S}, ...).
     *
     * @throws IllegalArgumentException if no provider serves the URL's scheme
     */
    static Store open(String url) {
        java.util.Objects.requireNonNull(url, "url");
        int colon = url.indexOf(':');
        String scheme = colon < 0 ? url : url.substring(0, colon);
        if (scheme.equals("memory")) {
            return inMemory();
        }
        java.util.List<String> known = new java.util.ArrayList<>(java.util.List.of("memory"));
        for (StoreProvider provider : java.util.ServiceLoader.load(StoreProvider.class)) {
            if (provider.schemes().contains(scheme)) {
                return provider.open(url);
            }
            known.addAll(provider.schemes());
        }
        throw new IllegalArgumentException("no store for " + url + "; known schemes: " + known);
    }
}
