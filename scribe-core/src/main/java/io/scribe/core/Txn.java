package io.scribe.core;

import io.scribe.core.internal.LogPosition;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one engine step will write and do, staged so that nothing is visible until the store has accepted it:
 * scribes to append (with the session they came from and the object they concern), object states, cursors, changes
 * to live objects and the events listeners will get. Confined to the thread holding the Scriber's lock.
 */
final class Txn {

    /**
     * A scribe to append, with where it came from (null: recorded here) and the object it concerns: a {@link Scribed}
     * or, for a local update of one field, its parts ({@link RecordedField}), the scribe made when first asked for.
     */
    interface Entry {
        /** The scribe (made from its parts on the first call when staged by them; confined like the step). */
        Scribe scribe();

        /** The parts of a local update of one field staged by them, or null. */
        RecordedField parts();

        Session source();

        SyncedClass<?> cls();

        Object subject();
    }

    /** An entry staged as its scribe. */
    static final class Scribed implements Entry {
        private final Scribe scribe;
        private final Session source;
        private final SyncedClass<?> cls;
        private final Object subject;

        Scribed(Scribe scribe, Session source, SyncedClass<?> cls, Object subject) {
            this.scribe = scribe;
            this.source = source;
            this.cls = cls;
            this.subject = subject;
        }

        @Override
        public Scribe scribe() {
            return scribe;
        }

        @Override
        public RecordedField parts() {
            return null;
        }

        @Override
        public Session source() {
            return source;
        }

        @Override
        public SyncedClass<?> cls() {
            return cls;
        }

        @Override
        public Object subject() {
            return subject;
        }
    }

    // The common step, one scribe of one object, is held in the list and the map themselves: no array, table or
    // entry; they grow like any list or map.
    final StagedEntries entries = new StagedEntries();
    final StagedStates states = new StagedStates();
    // The collections most steps leave empty start as shared empty ones and are made on the first add (through the
    // methods below): a recorded update allocates none of them.
    /** Cursors to write; added to through {@link #cursors()}. */
    Map<String, String> cursors = java.util.Collections.emptyMap();
    List<Runnable> effects = java.util.Collections.emptyList();
    /** Change events for listeners; added to through {@link #change}. */
    List<Change<?>> changes = java.util.Collections.emptyList();
    List<Conflict> conflicts = java.util.Collections.emptyList();
    Map<Key, Object> bind = java.util.Collections.emptyMap();
    List<Key> unbind = java.util.Collections.emptyList();
    /** Scribes read from a shared log that another process appended: played and relayed, not appended again. */
    boolean foreign;
    /**
     * The scribes are a Syncro peer's whole history (its answer to {@code sync} from the start): clockless ones are
     * stamped under everything, so old and new alike fill in what is missing and override nothing.
     */
    boolean history;
    /** The last stamp given in a history: 1, 2, 3, … in the sender's order, under any real clock. */
    long historyClock;
    /** Ids of Syncro scribes (which carry no clock) played from {@link #seenFrom}, remembered once committed. */
    java.util.Set<String> seenRemote = java.util.Collections.emptySet();
    Client seenFrom;
    /** Clients whose log identity this step stores with their cursor, known as stored once it is written. */
    List<Client> logsOf = java.util.Collections.emptyList();
    /**
     * Whether this step may be used again once committed alone ({@link Committer#reusableTxn}): made by a step that
     * nothing keeps a reference to once it is committed (a local update).
     */
    final boolean reusable;

    Txn() {
        this(false);
    }

    private Txn(boolean reusable) {
        this.reusable = reusable;
    }

    /** A step that {@link Committer#commitOne} may keep, emptied, for the next local update. */
    static Txn reusable() {
        return new Txn(true);
    }

    /**
     * Empties this step for the next one: the collections it made are let go of (not cleared, in case their contents
     * were handed on), its own list and map of staged entries and states are cleared.
     */
    void reset() {
        entries.clear();
        states.clear();
        cursors = java.util.Collections.emptyMap();
        effects = java.util.Collections.emptyList();
        changes = java.util.Collections.emptyList();
        conflicts = java.util.Collections.emptyList();
        bind = java.util.Collections.emptyMap();
        unbind = java.util.Collections.emptyList();
        foreign = false;
        history = false;
        historyClock = 0;
        seenRemote = java.util.Collections.emptySet();
        seenFrom = null;
        logsOf = java.util.Collections.emptyList();
    }

    /** {@link #cursors}, made on the first call, to add to. */
    Map<String, String> cursors() {
        if (cursors.isEmpty()) {
            cursors = new HashMap<>();
        }
        return cursors;
    }

    /** Adds to {@link #changes}. */
    void change(Change<?> change) {
        if (changes.isEmpty()) {
            changes = new ArrayList<>(2);
        }
        changes.add(change);
    }

    /** Adds to {@link #effects}. */
    void effect(Runnable effect) {
        if (effects.isEmpty()) {
            effects = new ArrayList<>();
        }
        effects.add(effect);
    }

    /** Adds to {@link #conflicts}. */
    void conflict(Conflict conflict) {
        if (conflicts.isEmpty()) {
            conflicts = new ArrayList<>();
        }
        conflicts.add(conflict);
    }

    /** Adds to {@link #bind}. */
    void bind(Key key, Object object) {
        if (bind.isEmpty()) {
            bind = new HashMap<>();
        }
        bind.put(key, object);
    }

    /**
     * Sets {@code client}'s cursor, and with it the identity of the client's log it is a position of when the client
     * stated one that is not stored yet (see {@link LogIdentity}). The client knows it as stored once this step is
     * written ({@link #logsStored}): a step the store refuses leaves it to be written with the next cursor, or a
     * cursor of the earlier log would be stated as one of this log at the next catch-up.
     */
    void cursor(Client client, String position) {
        cursor(client, position, null);
    }

    /**
     * {@link #cursor(Client, String)}, with what the scribe at that position is ({@code at}; null when unknown, which
     * leaves the next catch-up from it unchecked): see {@link LogPosition}.
     */
    void cursor(Client client, String position, LogPosition at) {
        cursors().put(client.id(), position);
        cursors().put(LogIdentity.atKeyOf(client.id()), at == null || !at.position().equals(position) ? ""
                : at.stored());
        String log = client.log;
        if (log != null && !log.equals(client.storedLog())) {
            cursors().put(LogIdentity.keyOf(client.id()), log);
            if (logsOf.isEmpty()) {
                logsOf = new ArrayList<>(1);
            }
            logsOf.add(client);
        }
    }

    /** This step was written: the log identities it stored are now the clients' stored ones. */
    void logsStored() {
        for (Client client : logsOf) {
            client.storingLog(cursors.get(LogIdentity.keyOf(client.id())));
        }
    }

    /** Adds to {@link #unbind}. */
    void unbind(Key key) {
        if (unbind.isEmpty()) {
            unbind = new ArrayList<>();
        }
        unbind.add(key);
    }

    /** Adds to {@link #seenRemote}. */
    void seenRemote(String id) {
        if (seenRemote.isEmpty()) {
            seenRemote = new java.util.HashSet<>();
        }
        seenRemote.add(id);
    }

    /**
     * What {@code steps} write to the store, as one step: their scribes in order, the last state of each object, their
     * cursors. For writing only: their changes and events stay with each step.
     */
    static Txn concat(List<Txn> steps) {
        Txn all = new Txn();
        for (Txn step : steps) {
            all.entries.addAll(step.entries);
            all.states.putAll(step.states);
            all.cursors().putAll(step.cursors);
            if (!step.logsOf.isEmpty()) {
                if (all.logsOf.isEmpty()) {
                    all.logsOf = new ArrayList<>();
                }
                all.logsOf.addAll(step.logsOf);
            }
        }
        return all;
    }

    /**
     * Writes this step's scribes, states and cursors to {@code store} as one commit; returns the scribes it appended,
     * with their ids. One scribe and one state without cursors (a local write) go through {@link
     * Store#commitOne}, without a {@link Commit}.
     */
    List<Scribe> writeTo(Store store) {
        if (entries.size() == 1 && states.size() == 1 && cursors.isEmpty()) {
            if (store instanceof io.scribe.core.internal.MemoryStore memory) {
                // The scribe under its id is made only if it is read (a session, a metrics sink, a caller of save);
                // an update of one field staged by its parts is kept by them.
                RecordedField f = entries.get(0).parts();
                if (f != null) {
                    f.storedAs(memory.commitOneField(f.klass(), f.stamp.origin(), f.stamp.clock(), f.id, f.key,
                            f.value, f.stamp.base(), states.first()));
                    return f;
                }
                Scribe scribe = entries.get(0).scribe();
                return new StoredOne(scribe, memory.commitOneId(scribe, states.first()));
            }
            return List.of(store.commitOne(entries.get(0).scribe(), states.first()));
        }
        return store.commit(toCommit());
    }

    Commit toCommit() {
        // Immutable lists and maps as the Commit keeps them, so that it copies nothing for a one-scribe step.
        List<Scribe> scribes;
        if (entries.size() == 1) {
            scribes = List.of(entries.get(0).scribe());
        } else {
            scribes = new ArrayList<>(entries.size());
            for (Entry e : entries) {
                scribes.add(e.scribe());
            }
        }
        List<ObjectState> objects = states.size() == 1 ? List.of(states.first()) : new ArrayList<>(states.values());
        return new Commit(scribes, objects, cursors.isEmpty() ? Map.of() : cursors);
    }

    boolean isEmpty() {
        return entries.isEmpty() && states.isEmpty() && cursors.isEmpty();
    }
}
