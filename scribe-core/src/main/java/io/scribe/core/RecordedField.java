package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.internal.HeldNode;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.OneBase;

/**
 * A local update of one field, recorded by its parts (what an enhanced setter call usually records): the scribe, its
 * {@code [id, {field: value}]} data and its one-field base are made only when something reads them (a session it is
 * pushed to, a metrics sink, the caller of {@code save}, a store that keeps scribes as records), the in-memory store
 * keeps the parts as they are. Immutable.
 */
final class RecordedField {

    final String klass;
    final JsonNode id;
    /** The field's name alone in an array shared by the updates of that field ({@code SyncedClass.aloneKeys}). */
    final String[] key;
    final JsonNode value;
    final String origin;
    final long clock;
    /** The clock of the write this one replaces (the field's base). */
    final long baseClock;

    RecordedField(String klass, JsonNode id, String[] key, JsonNode value, String origin, long clock, long baseClock) {
        this.klass = klass;
        this.id = id;
        this.key = key;
        this.value = value;
        this.origin = origin;
        this.clock = clock;
        this.baseClock = baseClock;
    }

    /** The scribe these parts make, under {@code scribeId} (null: not stored yet). */
    Scribe scribe(String scribeId) {
        return new Scribe(scribeId, klass, Scribe.Type.UPDATE, Json.pair(id, HeldNode.single(key, value)), origin,
                clock, OneBase.of(key[0], baseClock));
    }

    /**
     * An upper bound of the size of {@link #scribe}{@code (null)} as {@code add_scribe} carries it: {@link
     * Admission#envelopeBound} plus {@link Json#sizeBound} of its data, the same sum without making the scribe.
     */
    long sizeBound(long cap) {
        long envelope = 160 + klass.length() * 3L + origin.length() * 3L + 48 + key[0].length() * 3L;
        long data = 2 + 1 + Json.sizeBound(id, cap) + 1 + 2 + 2 + 6L * key[0].length() + 2 + Json.sizeBound(value, cap);
        return envelope + data;
    }
}
