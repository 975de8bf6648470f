package io.scribe.core.spi;

import io.scribe.core.Scribe;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link Store} that passes every call to another one. Extend it to change one behaviour (write rows of your own
 * with each commit, fail a commit in a test, share a log between nodes) and keep the rest. Thread-safe as far as the
 * delegate is.
 */
public class ForwardingStore implements Store {

    protected final Store delegate;

    // Whether a subclass overrides readAfter (see readStoredAfter).
    private final boolean readsItsOwnLog;

    public ForwardingStore(Store delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        boolean own;
        try {
            own = getClass().getMethod("readAfter", long.class, int.class).getDeclaringClass()
                    != ForwardingStore.class;
        } catch (NoSuchMethodException e) {
            own = true;
        }
        this.readsItsOwnLog = own;
    }

    @Override
    public List<Scribe> commit(Commit commit) {
        return delegate.commit(commit);
    }

    @Override
    public List<Scribe> readAfter(long afterId, int limit) {
        return delegate.readAfter(afterId, limit);
    }

    /**
     * The delegate's stored scribes, unless this class overrides {@link #readAfter}: then what that override reads,
     * encoded (the default of {@link Store#readStoredAfter}), so that catch-up pages carry what it returns.
     */
    @Override
    public List<StoredScribe> readStoredAfter(long afterId, int limit) {
        return readsItsOwnLog ? Store.super.readStoredAfter(afterId, limit) : delegate.readStoredAfter(afterId, limit);
    }

    @Override
    public long lastId() {
        return delegate.lastId();
    }

    @Override
    public Optional<String> cursor(String clientId) {
        return delegate.cursor(clientId);
    }

    @Override
    public Optional<ObjectState> object(String klass, String id) {
        return delegate.object(klass, id);
    }

    @Override
    public void forEachObject(Consumer<ObjectState> action) {
        delegate.forEachObject(action);
    }

    @Override
    public long objectCount() {
        return delegate.objectCount();
    }

    @Override
    public void watch(Runnable listener) {
        delegate.watch(listener);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public void check(Scribe scribe, long encodedBytes) {
        delegate.check(scribe, encodedBytes);
    }

    @Override
    public java.util.Map<String, String> cursors(String prefix) {
        return delegate.cursors(prefix);
    }

    @Override
    public boolean compact(long upTo, java.util.Collection<ObjectState> tombstones) {
        return delegate.compact(upTo, tombstones);
    }
}
