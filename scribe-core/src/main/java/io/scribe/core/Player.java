package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scriber.Incoming;
import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.Hlc;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.LogPosition;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plays the scribes peers send: admits a batch of pushed scribes and stores it with one commit ({@link
 * #playIncoming()}), and plays one scribe by its type ({@link #play}): authorisation, clock checks, the create, update
 * or destroy it carries, handing the field values to the {@link Merger}. Runs under the Scriber's lock; what it plays
 * is staged in a {@link Txn} and becomes visible only when that is committed.
 */
final class Player {

    private final Scriber scriber;
    private final Merger merger;

    Player(Scriber scriber, Merger merger) {
        this.scriber = scriber;
        this.merger = merger;
    }

    /** {@link #playIncoming()}, taking the engine lock for it. */
    void playIncomingLocked() {
        scriber.lock.lock();
        try {
            playIncoming();
        } finally {
            scriber.lock.unlock();
        }
    }

    /**
     * Plays every queued {@link Incoming} scribe in one step and stores them with one commit, then answers each.
     * A refused scribe (4xx) is answered with its error and the rest go on; one that cannot be played (5xx) is
     * answered with its error and the others are played again without it; a failed commit fails them all. Caller
     * holds the lock.
     */
    void playIncoming() {
        List<Incoming> batch = new ArrayList<>();
        for (Incoming in; (in = scriber.incoming.poll()) != null; ) {
            batch.add(in);
        }
        Map<Incoming, ScribeException> answers = new IdentityHashMap<>();
        Txn tx;
        attempt:
        while (true) {
            tx = new Txn();
            // Played again from the start: refusals are found again, and move their cursors in this step.
            answers.values().removeIf(e -> e.code() < ScribeException.INTERNAL);
            for (Incoming in : batch) {
                if (answers.containsKey(in)) {
                    continue;
                }
                Session s = in.session();
                try {
                    s.intake.admit(in.scribe(), in.frameBytes());
                    play(in.scribe(), s.client(), s, tx);
                } catch (ScribeException e) {
                    if (e.code() >= ScribeException.INTERNAL) {
                        answers.put(in, (ScribeException) s.intake.lost(e));
                        continue attempt;
                    }
                    // A deliberate refusal (4xx) is final and changes nothing; it never moves the cursor (whatever
                    // id it names): the next catch-up passes it.
                    answers.put(in, e);
                    continue;
                } catch (RuntimeException e) {
                    answers.put(in, (ScribeException) s.intake.lost(e));
                    continue attempt;
                }
                if (s.isCaughtUp() && in.scribe().id() != null) {
                    // A pushed scribe moves the cursor only once the catch-up is done, or a disconnect in between
                    // could skip the scribes of the unfinished pages.
                    tx.cursor(s.client(), in.scribe().id(), LogPosition.of(in.scribe()));
                }
            }
            break;
        }
        try {
            scriber.commit(tx);
        } catch (RuntimeException e) {
            for (Incoming in : batch) {
                if (!answers.containsKey(in) || answers.get(in).code() < ScribeException.INTERNAL) {
                    answers.put(in, (ScribeException) in.session().intake.lost(e));
                }
            }
        }
        for (Incoming in : batch) {
            in.session().intake.answer(in.requestId(), answers.get(in), in.scribe());
            in.session().intake.tellRefused(in.scribe(), answers.get(in));
        }
        for (Incoming in : batch) {
            in.session().intake.acks.send();
        }
    }

    /** Outcome of playing one scribe. */
    enum Played {
        APPLIED,
        NOOP
    }

    /**
     * Plays a remote scribe into {@code tx}: authorisation, LWW merge field by field, tombstones. Throws a
     * ScribeException with the protocol code when the scribe is refused; then {@code tx} is unchanged.
     */
    Played play(Scribe in, Client from, Session source, Txn tx) {
        SyncedClass<?> c = scriber.classes.byKlass(in.klass());
        if (c == null) {
            throw new ScribeException(ScribeException.FORBIDDEN, "class not registered: " + in.klass());
        }
        boolean accepted;
        try {
            accepted = from == null || c.policy.accepts(in, from.id());
        } catch (RuntimeException e) {
            throw new ScribeException(ScribeException.INTERNAL, "authorizer of " + in.klass() + " failed: " + e, e);
        }
        if (!accepted) {
            throw new ScribeException(
                    ScribeException.FORBIDDEN, "scribe refused for " + in.klass() + " from " + from.id());
        }
        String origin = in.origin() != null ? in.origin() : from != null ? from.id() : "unknown";
        if (in.clock() == 0 && from != null && in.id() != null) {
            // A Syncro scribe has no clock to recognise it by: its sender's id for it does.
            if (from.seen(in.id()) || tx.seenRemote.contains(in.id())) {
                return Played.NOOP;
            }
            tx.seenRemote(in.id());
            tx.seenFrom = from;
        }
        long clock;
        if (in.clock() != 0) {
            clock = in.clock();
            if (from != null && Hlc.millis(clock) > scriber.wallClock.millis() + scriber.maxClockSkew.toMillis()) {
                // A clock far ahead would win every field for ever and drag this peer's clock with it.
                throw new ScribeException(ScribeException.BAD_REQUEST, "scribe clock " + Hlc.millis(clock)
                        + " is more than " + scriber.maxClockSkew + " ahead of this peer's clock");
            }
            scriber.hlc.observe(clock);
        } else if (tx.history) {
            // The sender's whole history, old and new alike: it fills in what this peer lacks and overrides
            // nothing; the session then sends the sender the values that won (see SyncroPeer).
            clock = ++tx.historyClock;
        } else {
            clock = scriber.hlc.tick();
        }
        if (in.clock() == 0 && source != null && source.wire().isSyncro()) {
            in = withoutMisfits(c, in);
        }
        // A scribe that names its origin and clock (the usual one) is its own normalised form: not built again.
        Scribe normalized = origin.equals(in.origin()) && clock == in.clock() ? in
                : new Scribe(in.id(), in.klass(), in.type(), in.data(), origin, clock, in.base());
        return switch (in.type()) {
            case CREATE -> playCreate(c, normalized, source, tx);
            case UPDATE -> playUpdate(c, normalized, source, tx);
            case DESTROY -> playDestroy(c, normalized, source, tx);
        };
    }

    /**
     * A Syncro scribe without the field values that do not fit their field's type (each reported): Syncro peers
     * cannot read an error, so the rest is played and the session sends the peer the values held here instead.
     */
    private Scribe withoutMisfits(SyncedClass<?> c, Scribe in) {
        JsonNode values = in.type() == Scribe.Type.CREATE ? in.data()
                : in.type() == Scribe.Type.UPDATE ? in.data().path(1) : null;
        if (values == null || !values.isObject()) {
            return in;
        }
        ObjectNode kept = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldModel f = c.fields.get(e.getKey());
            if (f == null || f == c.idField) {
                continue;
            }
            try {
                c.fromJson(f, e.getValue());
                c.refuseChangedByConversion(f, e.getValue());
            } catch (ScribeException misfit) {
                scriber.report(new ScribeException(misfit.code(), "scribe " + in.id() + " from a Syncro peer: "
                        + misfit.getMessage() + "; ignored, the peer is sent the value held here", misfit));
                if (kept == null) {
                    kept = ((ObjectNode) values).deepCopy();
                }
                kept.remove(e.getKey());
            }
        }
        if (kept == null) {
            return in;
        }
        JsonNode data = in.type() == Scribe.Type.CREATE ? kept : Json.NODES.arrayNode().add(in.data().get(0)).add(kept);
        return new Scribe(in.id(), in.klass(), in.type(), data, in.origin(), in.clock(), in.base());
    }

    private Played playCreate(SyncedClass<?> c, Scribe s, Session source, Txn tx) {
        if (!s.data().isObject()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "create data must be an object: " + s.data());
        }
        JsonNode idNode = s.data().get(c.idField.name());
        if (idNode == null || idNode.isNull() || idNode.isContainerNode()) {
            throw new ScribeException(
                    ScribeException.BAD_REQUEST, "create of " + c.klass + " has no " + c.idField.name());
        }
        Key key = new Key(c.klass, SyncedClass.idText(idNode));
        ObjectState state = merger.stateIn(tx, key);
        if (state != null && state.destroyed()) {
            return Played.NOOP;
        }
        Merger.Values values = convert(c, (ObjectNode) s.data(), null, state);
        Resolver resolver = scriber.classes.resolver(c.klass);
        if (state != null) {
            Stamp created = state.stamps().get(c.idField.name());
            Long idBase = s.base() == null ? null : s.base().get(c.idField.name());
            boolean republished = created != null && idBase != null && idBase != 0 && idBase == created.clock();
            if (created != null && !created.origin().equals(s.origin()) && !republished) {
                // A create for an identity another peer created is never an overwrite, however new its stamps: the
                // existing object wins, the refused values are a conflict and newer ones are answered with a
                // correction, so a writer that created the same identity concurrently converges too. A create whose
                // identity names as its base the stamp this object holds (see republish) was made knowing this very
                // object: it merges as an update would, under the class's resolver and authorizer.
                resolver = EXISTING_WINS;
            }
        }
        return merger.merge(c, key, state, values, (ObjectNode) s.data(), s, source, tx, resolver);
    }

    /**
     * Whether {@code update}, an update of an object this peer does not hold, is followed in {@code page} (after
     * index {@code at}) by a create of that object, which carries its values.
     */
    static boolean createdLater(Scriber scriber, Scribe update, List<?> page, int at) {
        if (update == null || update.type() != Scribe.Type.UPDATE) {
            return false;
        }
        SyncedClass<?> c = scriber.classes.byKlass(update.klass());
        if (c == null) {
            return false;
        }
        Key key = IdentityMap.keyOfScribe(c, update);
        for (int i = at + 1; i < page.size(); i++) {
            Object item = page.get(i);
            try {
                Scribe later = item instanceof Scribe s ? s : Json.scribe((JsonNode) item);
                if (later.type() == Scribe.Type.CREATE && later.klass().equals(update.klass())
                        && key.equals(IdentityMap.keyOfScribe(c, later))) {
                    return true;
                }
            } catch (RuntimeException unreadable) {
                // not a scribe this peer can read: it is refused when its turn comes
            }
        }
        return false;
    }

    /** The resolver of a create that meets an object another peer created: nothing of it replaces a value. */
    static final Resolver EXISTING_WINS = (current, incoming) -> false;

    private Played playUpdate(SyncedClass<?> c, Scribe s, Session source, Txn tx) {
        JsonNode data = s.data();
        if (!data.isArray() || data.size() != 2 || !data.get(1).isObject() || data.get(0).isContainerNode()) {
            throw new ScribeException(
                    ScribeException.BAD_REQUEST, "update data must be [id, {field: value}]: " + data);
        }
        Key key = new Key(c.klass, SyncedClass.idText(data.get(0)));
        ObjectState state = merger.stateIn(tx, key);
        if (state == null) {
            throw new ScribeException(ScribeException.NOT_FOUND, "unknown object " + key);
        }
        if (state.destroyed()) {
            return Played.NOOP;
        }
        Merger.Values values = convert(c, (ObjectNode) data.get(1), c.idField, state);
        return merger.merge(
                c, key, state, values, (ObjectNode) data.get(1), s, source, tx, scriber.classes.resolver(c.klass));
    }

    private Played playDestroy(SyncedClass<?> c, Scribe s, Session source, Txn tx) {
        JsonNode data = s.data();
        if (!data.isArray() || data.size() < 1 || data.get(0).isContainerNode()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "destroy data must be [id]: " + data);
        }
        Key key = new Key(c.klass, SyncedClass.idText(data.get(0)));
        ObjectState state = merger.stateIn(tx, key);
        if (state != null && state.destroyed()) {
            return Played.NOOP;
        }
        Object object = merger.live(tx, key);
        // A destroy for an object never seen still leaves a tombstone, so a late create cannot resurrect it.
        tx.states.put(key, tombstone(c, key, data.get(0), new Stamp(s.clock(), s.origin()), state));
        tx.entries.add(new Txn.Scribed(s, source, c, object));
        if (object != null) {
            tx.unbind(key);
            tx.change(new Change<>(Scribe.Type.DESTROY, object, key.id(), Set.of(), s.origin(), false));
        }
        if (state != null) {
            merger.followUps.run(c, key, state, s, tx);
        }
        return Played.APPLIED;
    }

    /**
     * Converts the synced fields present in {@code data}; keys that are not synced fields are only noted (the merge
     * keeps them in the state, of the object now in {@code state}, within {@link UnknownFields#check its bounds}), and
     * {@code left} is left out (converted all the same, so that a value that does not fit is refused).
     */
    private static Merger.Values convert(SyncedClass<?> c, ObjectNode data, FieldModel left, ObjectState state) {
        Merger.Values values = new Merger.Values(Math.min(data.size(), c.fieldArray.length));
        for (Iterator<Map.Entry<String, JsonNode>> it = data.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            FieldModel f = c.fields.get(e.getKey());
            if (f != null) {
                Object value = c.incoming(f, e.getValue());
                if (f != left) {
                    values.add(f, value);
                }
            } else {
                values.unknown = true;
            }
        }
        if (values.unknown) {
            UnknownFields.check(c, data, state);
        }
        return values;
    }

    /**
     * The state an object leaves when destroyed: its identity and the destroy's stamp, never reused; and, when the
     * object existed here ({@code before} live), the stamp of its create, which tells a destroy of a created object
     * from that of one never seen once the create was compacted away.
     */
    static ObjectState tombstone(SyncedClass<?> c, Key key, JsonNode idNode, Stamp stamp, ObjectState before) {
        ObjectNode fields = Json.object();
        fields.set(c.idField.name(), idNode);
        Stamp created = before == null || before.destroyed() ? null : before.stamps().get(c.idField.name());
        return new ObjectState(c.klass, key.id(), fields,
                created == null ? Map.of() : Map.of(c.idField.name(), created), stamp);
    }
}
