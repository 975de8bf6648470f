package io.scribe.core.internal.capture;

import java.util.ArrayList;
import java.util.List;

/**
 * Per-thread capture state: how deep the thread is in methods of bound objects, the objects written since the
 * outermost of those methods began, and the stack of current recorders (scopes). Confined to its thread.
 */
final class Context {

    private static final ThreadLocal<Context> CURRENT = ThreadLocal.withInitial(Context::new);
    /** Stands for "no recorder" on the scope stack, so that a scope can hide the ones below it. */
    private static final Object NONE = new Object();

    int depth;
    private boolean draining;
    private final List<Object> dirty = new ArrayList<>(4);
    private Object[] scopes = new Object[8];
    private int scopeCount;

    static Context get() {
        return CURRENT.get();
    }

    void push(Recorder recorder) {
        if (scopeCount == scopes.length) {
            scopes = java.util.Arrays.copyOf(scopes, scopeCount * 2);
        }
        scopes[scopeCount++] = recorder == null ? NONE : recorder;
    }

    void pop() {
        scopes[--scopeCount] = null;
    }

    int scopeDepth() {
        return scopeCount;
    }

    /** The recorder new objects are bound to on this thread, or null. */
    Recorder current() {
        if (scopeCount == 0) {
            return null;
        }
        Object top = scopes[scopeCount - 1];
        return top == NONE ? null : (Recorder) top;
    }

    /** Notes a write to a bound object; records it now unless the thread is inside a method of a bound object. */
    void written(Object object) {
        for (int i = 0; i < dirty.size(); i++) {
            if (dirty.get(i) == object) {
                return;
            }
        }
        dirty.add(object);
        if (depth == 0) {
            drain();
        }
    }

    /**
     * Records every object written so far, one update each. Re-entrant calls (a listener or a getter running while a
     * flush records) add to the same loop instead of recursing.
     */
    void drain() {
        if (draining) {
            return;
        }
        draining = true;
        RuntimeException failure = null;
        try {
            while (!dirty.isEmpty()) {
                Object object = dirty.remove(0);
                Recorder recorder = object instanceof Tracked t ? t.$scribe$recorder() : null;
                if (recorder == null) {
                    continue;
                }
                try {
                    recorder.flush(object);
                } catch (RuntimeException e) {
                    // Record the other objects anyway; the first failure is reported to the writer.
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        } finally {
            draining = false;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
