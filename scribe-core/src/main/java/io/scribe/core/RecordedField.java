package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.OneBase;
import io.scribe.core.spi.Stamp;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A local update of one field, recorded by its parts (what an enhanced setter call usually records): the scribe, its
 * {@code [id, {field: value}]} data and its one-field base are made only when something reads them (a session it is
 * pushed to, a metrics sink, the caller of {@code save}, a store that keeps scribes as records), the in-memory store
 * keeps the parts as they are.
 *
 * <p>One object serves the update's whole way, so that a setter call allocates one for it: staged in its step (a
 * {@link Txn.Entry}) and, once the in-memory store kept it ({@link #storedAs}), the list of the one scribe the step
 * stored that {@code Txn.writeTo} returns, the scribe under its id made when first read. Its parts are immutable; the
 * stored id is set once, by the thread holding the lock, before the list is handed on.
 */
final class RecordedField extends AbstractList<Scribe> implements Txn.Entry, RandomAccess {

    private final SyncedClass<?> cls;
    private final Object subject;
    final JsonNode id;
    /** The field's name alone in an array shared by the updates of that field ({@code SyncedClass.aloneKeys}). */
    final String[] key;
    final JsonNode value;
    /** The field's new stamp, as the object's state holds it: origin, clock, and the clock it replaces (its base). */
    final Stamp stamp;
    private long storedId;
    /** The scribe without an id, once asked for ({@link #scribe()}). */
    private Scribe staged;
    /** The scribe under {@link #storedId}, once read; made again at worst by a racing reader (it is immutable). */
    private Scribe stored;

    RecordedField(SyncedClass<?> cls, Object subject, JsonNode id, String[] key, JsonNode value, Stamp stamp) {
        this.cls = cls;
        this.subject = subject;
        this.id = id;
        this.key = key;
        this.value = value;
        this.stamp = stamp;
    }

    String klass() {
        return cls.klass;
    }

    /** The scribe these parts make, under {@code scribeId} (null: not stored yet). */
    Scribe scribe(String scribeId) {
        return new Scribe(scribeId, cls.klass, Scribe.Type.UPDATE, Json.pair(id, HeldNode.single(key, value)),
                stamp.origin(), stamp.clock(), OneBase.of(key[0], stamp.base()));
    }

    /**
     * An upper bound of the size of {@link #scribe}{@code (null)} as {@code add_scribe} carries it: {@link
     * Admission#envelopeBound} plus {@link Json#sizeBound} of its data, the same sum without making the scribe.
     */
    long sizeBound(long cap) {
        long envelope = 160 + cls.klass.length() * 6L + stamp.origin().length() * 6L + 48 + key[0].length() * 6L;
        long data = 2 + 1 + Json.sizeBound(id, cap) + 1 + 2 + 2 + 6L * key[0].length() + 2 + Json.sizeBound(value, cap);
        return envelope + data;
    }

    /** Notes the id the store gave the update: from now on this is the list of that one stored scribe. */
    void storedAs(long id) {
        storedId = id;
    }

    /** The id the store gave the update ({@link #storedAs}). */
    long storedId() {
        return storedId;
    }

    @Override
    public Scribe scribe() {
        Scribe s = staged;
        if (s == null) {
            s = scribe(null);
            staged = s;
        }
        return s;
    }

    @Override
    public RecordedField parts() {
        return this;
    }

    @Override
    public Session source() {
        return null;
    }

    @Override
    public SyncedClass<?> cls() {
        return cls;
    }

    @Override
    public Object subject() {
        return subject;
    }

    /** The scribe as stored, under its id (index 0 only). */
    @Override
    public Scribe get(int index) {
        if (index != 0 || storedId == 0) {
            throw new IndexOutOfBoundsException("index " + index + ", size " + size());
        }
        Scribe s = stored;
        if (s == null) {
            s = staged != null ? staged.withId(Long.toString(storedId)) : scribe(Long.toString(storedId));
            stored = s;
        }
        return s;
    }

    /** 1 once stored, 0 before. */
    @Override
    public int size() {
        return storedId == 0 ? 0 : 1;
    }

    // By identity, not by contents as lists are: an entry is one step's own, and nothing compares the one-scribe
    // lists a commit returns with other lists.
    @Override
    public boolean equals(Object other) {
        return this == other;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }
}
