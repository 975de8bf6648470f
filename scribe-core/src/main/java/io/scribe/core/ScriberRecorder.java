package io.scribe.core;

import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.capture.Recorder;
import io.scribe.core.internal.capture.Tracked;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the objects enhanced classes bind to a {@link Scriber}: binds and unbinds them, and turns what the capture
 * hooks report (a constructor finished, a method changed synced fields, a collection field was assigned) into the
 * Scriber's creates and saves. Thread-safe: each report records through the {@link GroupCommit}, like the public
 * methods do; {@link #bind} runs under the lock (a commit, or the restore before the Scriber is shared).
 */
final class ScriberRecorder implements Recorder {

    /** Logs as the Scriber it belongs to. */
    private static final Logger log = LoggerFactory.getLogger(Scriber.class);

    private final Scriber scriber;

    ScriberRecorder(Scriber scriber) {
        this.scriber = scriber;
    }

    /**
     * Objects whose update through the hooks was not recorded (recording off): what was written then is still
     * pending, so their next update diffs every field. Guarded by the Scriber's lock.
     */
    private final Set<Object> unrecorded = Collections.newSetFromMap(new IdentityHashMap<>());

    /** Records what changed in an enhanced object, diffing every field; nothing when it is no longer tracked here. */
    @Override
    public void flush(Object object) {
        flush(object, null, 0);
    }

    /**
     * Records what changed in an enhanced object, diffing the fields written and those whose contents change without
     * a write ({@link WrittenFields}); nothing when it is no longer tracked here.
     */
    @Override
    public void flush(Object object, String[] fields, int count) {
        SyncedClass<?> c = scriber.classes.byType(object.getClass());
        if (c == null) {
            return;
        }
        scriber.local.saveIfTracked(c, object, WrittenFields.of(c, fields, count));
    }

    /** An update of {@code object} was not recorded (recording off). Caller holds the lock. */
    void unrecorded(Object object) {
        if (object instanceof Tracked) {
            unrecorded.add(object);
        }
    }

    /** Whether an update of {@code object} was not recorded since it was last diffed whole; forgets it. Under the lock. */
    boolean takeUnrecorded(Object object) {
        return !unrecorded.isEmpty() && unrecorded.remove(object);
    }

    /** A collection field of an enhanced object was assigned: wrap the new value so changes in place record. */
    @Override
    public void assigned(Object object, String field) {
        SyncedClass<?> c = scriber.classes.byType(object.getClass());
        FieldModel f = c == null ? null : c.fields.get(field);
        if (f != null) {
            c.wrap(object, f);
        }
    }

    /** The outermost constructor of an enhanced object finished while this Scriber was current. */
    @Override
    public void constructed(Object object) {
        if (scriber.classes.byType(object.getClass()) == null) {
            log.warn("scriber {}: {} was constructed in its scope but is not registered; it stays plain",
                    scriber.guid, object.getClass().getName());
            return;
        }
        scriber.create(object);
    }

    /** Binds an enhanced object to this Scriber (false: unbinds it) and wraps its collection fields. */
    void bind(Object object, boolean bind) {
        if (object instanceof Tracked t) {
            t.$scribe$recorder(bind ? this : null);
            if (!bind) {
                unrecorded.remove(object);
            }
            if (bind) {
                SyncedClass<?> c = scriber.classes.byType(object.getClass());
                if (c != null) {
                    c.fields.values().forEach(f -> c.wrap(object, f));
                }
            }
        }
    }

    @Override
    public String toString() {
        return "recorder of " + scriber.id();
    }
}
