package io.scribe.core.instrument;

import io.scribe.annotations.Synced;
import io.scribe.core.internal.capture.Tracked;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.ByteBuddyAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enhances {@code @Synced} classes from inside a running program, for tests and for applications that will not
 * change their build or their command line:
 *
 * <pre>{@code
 * ScribeInstrumentation.install();          // first thing in main, or in a test's static initialiser
 * Task task = scriber.call(() -> new Task("write the docs"));   // recorded: create
 * task.setTitle("write them");                                   // recorded: update
 * }</pre>
 *
 * <p>Only classes loaded after the call are enhanced: call it before any {@code @Synced} class is used. It attaches
 * Byte Buddy's agent to the running JVM (which needs a JDK, not a bare JRE).
 */
public final class ScribeInstrumentation {

    private static final Logger log = LoggerFactory.getLogger(ScribeInstrumentation.class);

    private ScribeInstrumentation() {}

    /**
     * Installs the transformation into this JVM for every {@code @Synced} class. Idempotent and thread-safe; does
     * nothing more when the agent was installed with {@code -javaagent}.
     *
     * @throws IllegalStateException if the agent cannot attach to this JVM
     */
    public static void install() {
        install(new String[0]);
    }

    /**
     * Installs the transformation into this JVM for the {@code @Synced} classes of the given packages and their
     * sub-packages (none: every package). Calling it again adds packages. Thread-safe.
     *
     * @throws IllegalArgumentException if a package name is blank
     * @throws IllegalStateException if the agent cannot attach to this JVM
     */
    public static synchronized void install(String... packageNames) {
        if (ScribeAgent.installed()) {
            ScribeAgent.install(null, packageNames);
            return;
        }
        Instrumentation instrumentation;
        try {
            instrumentation = ByteBuddyAgent.install();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot attach the Scribe agent to this JVM (a JDK is needed): " + e, e);
        }
        ScribeAgent.install(instrumentation, packageNames);
        for (Class<?> loaded : instrumentation.getAllLoadedClasses()) {
            try {
                if (ScribeAgent.includes(loaded.getName()) && loaded.isAnnotationPresent(Synced.class)
                        && !Tracked.class.isAssignableFrom(loaded)) {
                    log.warn("{} was loaded before Scribe was installed and is not enhanced: record its changes "
                            + "with Scriber.create/save/destroy, or install earlier", loaded.getName());
                }
            } catch (RuntimeException | LinkageError unreadable) {
                // a class whose annotations cannot be read is not one of ours
            }
        }
    }

    /** Whether {@code type} is enhanced: its changes are recorded without calls to the engine. */
    public static boolean isEnhanced(Class<?> type) {
        return Tracked.class.isAssignableFrom(type);
    }
}
