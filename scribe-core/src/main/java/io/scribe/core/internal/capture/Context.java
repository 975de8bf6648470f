package io.scribe.core.internal.capture;

import java.util.Arrays;

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
    /**
     * The objects written and not recorded yet, in the order of their first write: {@code dirty[head..size)}. For
     * each, the names of the fields written ({@code names[i][0..counts[i])}), or {@code counts[i] == ALL} when a write
     * did not name its field. The arrays are kept and reused: noting a write allocates nothing once they are grown.
     */
    private Object[] dirty = new Object[4];
    private String[][] names = new String[4][];
    private int[] counts = new int[4];
    private int head;
    private int size;
    private Object[] scopes = new Object[8];
    private int scopeCount;

    private static final int ALL = -1;

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

    /**
     * Notes a write of {@code field} (null: unknown) of a bound object; records it now unless the thread is inside a
     * method of a bound object. An object already waiting to be recorded (not yet handed to its recorder) gets the
     * field added to its entry.
     */
    void written(Object object, String field) {
        for (int i = head; i < size; i++) {
            if (dirty[i] == object) {
                note(i, field);
                return;
            }
        }
        if (size == dirty.length) {
            int n = size * 2;
            dirty = Arrays.copyOf(dirty, n);
            names = Arrays.copyOf(names, n);
            counts = Arrays.copyOf(counts, n);
        }
        dirty[size] = object;
        counts[size] = 0;
        note(size++, field);
        if (depth == 0) {
            drain();
        }
    }

    private void note(int i, String field) {
        int count = counts[i];
        if (count == ALL) {
            return;
        }
        if (field == null) {
            counts[i] = ALL;
            return;
        }
        String[] written = names[i];
        for (int j = 0; j < count; j++) {
            if (written[j] == field || written[j].equals(field)) {
                return;
            }
        }
        if (written == null) {
            written = names[i] = new String[4];
        } else if (count == written.length) {
            written = names[i] = Arrays.copyOf(written, count * 2);
        }
        written[count] = field;
        counts[i] = count + 1;
    }

    /**
     * Records every object written so far, one update each. Re-entrant calls (a listener or a getter running while a
     * flush records) add to the same loop instead of recursing; an object written again after it was handed to its
     * recorder is recorded again.
     */
    void drain() {
        if (draining) {
            return;
        }
        draining = true;
        RuntimeException failure = null;
        try {
            while (head < size) {
                int i = head++;
                Object object = dirty[i];
                dirty[i] = null;
                Recorder recorder = object instanceof Tracked t ? t.$scribe$recorder() : null;
                if (recorder == null) {
                    continue;
                }
                try {
                    int count = counts[i];
                    if (count == ALL) {
                        recorder.flush(object, null, 0);
                    } else {
                        recorder.flush(object, names[i], count);
                    }
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
            // Entries handed over are done with: the slots are reused from the start (their name arrays too, whose
            // stale names are never read past the count).
            if (head == size) {
                head = 0;
                size = 0;
            }
            draining = false;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
