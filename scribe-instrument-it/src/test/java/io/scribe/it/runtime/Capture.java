package io.scribe.it.runtime;

import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.instrument.ScribeInstrumentation;
import io.scribe.core.spi.Store;
import java.util.List;

/**
 * Helpers for the change-capture tests. The agent is installed by {@link io.scribe.it.InstallScribe} when the test
 * launcher starts; {@link #install()} repeats it (idempotent) for a test run some other way.
 */
public final class Capture {

    private Capture() {}

    /** Installs the agent for the run-time model (once per JVM). */
    static void install() {
        ScribeInstrumentation.install(io.scribe.it.InstallScribe.RUNTIME_MODEL);
    }

    public static Scriber peer(String id, Class<?>... types) {
        install();
        return Scriber.builder().clientId(id).store(Store.inMemory()).register(types).pageSize(50).build();
    }

    /** Every scribe in the peer's log, oldest first. */
    public static List<Scribe> log(Scriber peer) {
        return peer.store().readAfter(0, 100_000);
    }

    /** The scribes recorded after {@code afterId}. */
    public static List<Scribe> after(Scriber peer, long afterId) {
        return peer.store().readAfter(afterId, 100_000);
    }

    /** The fields of an update as compact JSON, e.g. {@code {"title":"x"}}. */
    public static String updated(Scribe s) {
        if (s.type() != Scribe.Type.UPDATE) {
            throw new AssertionError("not an update: " + s);
        }
        return s.data().get(1).toString();
    }
}
