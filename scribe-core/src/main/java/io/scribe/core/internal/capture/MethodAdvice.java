package io.scribe.core.internal.capture;

import net.bytebuddy.asm.Advice;

/** Inlined around every instance method of an enhanced class: batches the writes made during the outermost call. */
public final class MethodAdvice {

    private MethodAdvice() {}

    @Advice.OnMethodEnter
    static Object enter(@Advice.This Object self) {
        return Hooks.enter(self);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    static void exit(@Advice.Enter Object token) {
        Hooks.exit(token);
    }
}
