package io.scribe.core;

import io.scribe.core.SyncedClass.FieldModel;
import io.scribe.core.internal.capture.Recorder;
import io.scribe.core.internal.capture.Tracked;
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

    /** Records what changed in an enhanced object; nothing when it is no longer tracked here. */
    @Override
    public void flush(Object object) {
        SyncedClass<?> c = scriber.classes.byType(object.getClass());
        if (c == null) {
            return;
        }
        scriber.local.saveIfTracked(c, object);
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
