package io.scribe.core;

import java.util.ArrayDeque;
import java.util.function.BiPredicate;

/**
 * What threads have opened on one Scriber: recording scopes (which changes of theirs are recorded, see
 * {@link Scriber#withoutRecording(Runnable)}) and the {@link Scriber#atomically(java.util.function.Supplier) atomic}
 * block, whose sends wait for its end.
 */
final class Scopes {

    private final ThreadLocal<ArrayDeque<BiPredicate<Scribe.Type, Object>>> recording =
            ThreadLocal.withInitial(ArrayDeque::new);
    /** The thread inside an atomic block, if any. */
    private volatile Thread atomic;

    /** Whether a change of {@code type} to {@code object} made now on this thread would be recorded. */
    boolean records(Scribe.Type type, Object object) {
        ArrayDeque<BiPredicate<Scribe.Type, Object>> stack = recording.get();
        if (stack.isEmpty()) {
            return true;   // the usual case, without an iterator
        }
        for (BiPredicate<Scribe.Type, Object> scope : stack) {
            if (!scope.test(type, object)) {
                return false;
            }
        }
        return true;
    }

    /** Runs {@code block} on this thread recording only what {@code scope} accepts (and what outer scopes do). */
    void recordingOnly(BiPredicate<Scribe.Type, Object> scope, Runnable block) {
        ArrayDeque<BiPredicate<Scribe.Type, Object>> stack = recording.get();
        stack.push(scope);
        try {
            block.run();
        } finally {
            // Exception-safe: a failing block must not leave recording off for later changes.
            stack.pop();
        }
    }

    /**
     * Marks this thread as inside an atomic block (the caller holds the Scriber's lock).
     *
     * @return whether this is the outermost block of the thread, which must call {@link #leaveAtomic()}
     */
    boolean enterAtomic() {
        Thread me = Thread.currentThread();
        if (atomic == me) {
            return false;
        }
        atomic = me;
        return true;
    }

    /** Ends the outermost atomic block of this thread. */
    void leaveAtomic() {
        atomic = null;
    }

    /** Whether this thread is inside an atomic block: what it queues is sent when the block ends. */
    boolean inAtomic() {
        return atomic == Thread.currentThread();
    }
}
