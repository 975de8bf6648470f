package io.scribe.core.internal.capture;

/**
 * The static methods enhanced bytecode calls. Each is cheap for objects that are not bound to a recorder: one type
 * check and one volatile read, no thread-local access.
 *
 * <p>Writes to a bound object made while the thread runs a method of a bound object are batched: they are recorded
 * when the outermost such method returns or throws, one update per object with every field that changed. A write
 * made outside any such method is recorded at once.
 */
public final class Hooks {

    private Hooks() {}

    /**
     * A synced field of {@code object} was written, which one unknown: the update diffs every synced field. Called by
     * classes enhanced before writes named their field; kept so that they still record.
     */
    public static void written(Object object) {
        if (object instanceof Tracked t && t.$scribe$recorder() != null) {
            Context.get().written(object, null);
        }
    }

    /**
     * The synced field {@code field} of {@code object} was written (enhanced bytecode passes the name as a constant).
     * The update diffs that field, with every field whose contents can change without a write.
     */
    public static void written(Object object, String field) {
        if (object instanceof Tracked t && t.$scribe$recorder() != null) {
            Context.get().written(object, field);
        }
    }

    /** A synced collection field of {@code object} was assigned. */
    public static void writtenCollection(Object object, String field) {
        if (object instanceof Tracked t) {
            Recorder recorder = t.$scribe$recorder();
            if (recorder != null) {
                recorder.assigned(object, field);
                Context.get().written(object, field);
            }
        }
    }

    /** The recording collection held by the field {@code field} of {@code owner} was changed in place. */
    public static void changed(Object owner, String field) {
        written(owner, field);
    }

    /**
     * A method of an enhanced object begins. While it runs, the object's recorder is the thread's current one, so
     * synced objects it constructs are bound to the same peer.
     *
     * @return a token for {@link #exit(Object)}, null when the object is not bound
     */
    public static Object enter(Object self) {
        if (self instanceof Tracked t) {
            Recorder recorder = t.$scribe$recorder();
            if (recorder != null) {
                Context c = Context.get();
                c.depth++;
                c.push(recorder);
                return c;
            }
        }
        return null;
    }

    /** The method whose {@link #enter(Object)} returned {@code token} returns or throws. */
    public static void exit(Object token) {
        if (token != null) {
            Context c = (Context) token;
            c.pop();
            if (--c.depth == 0) {
                c.drain();
            }
        }
    }

    /**
     * A constructor of {@code declaring} finished on {@code object}. Only the outermost constructor counts: not one
     * of a superclass ({@code object} is of a subclass) and not one another constructor delegated to with
     * {@code this(...)} ({@code inner}).
     */
    public static void constructed(Object object, boolean inner, Class<?> declaring) {
        if (inner || object.getClass() != declaring) {
            return;
        }
        Recorder recorder = Context.get().current();
        if (recorder != null && object instanceof Tracked) {
            recorder.constructed(object);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Scopes, for the engine

    /** Makes {@code recorder} (null: none) the thread's current one until {@link #closeScope(int)}. */
    public static int openScope(Recorder recorder) {
        Context c = Context.get();
        c.push(recorder);
        return c.scopeDepth();
    }

    /**
     * Ends the scope {@link #openScope(Recorder)} opened.
     *
     * @throws IllegalStateException if it is not the innermost scope of this thread (closed on another thread or
     *     out of order)
     */
    public static void closeScope(int depth) {
        Context c = Context.get();
        if (c.scopeDepth() != depth) {
            throw new IllegalStateException("scopes must be closed on the thread that opened them, innermost first");
        }
        c.pop();
    }

    /** The thread's current recorder, or null. */
    public static Recorder current() {
        return Context.get().current();
    }
}
