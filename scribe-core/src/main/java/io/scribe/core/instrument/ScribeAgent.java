package io.scribe.core.instrument;

import java.lang.instrument.Instrumentation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code -javaagent} entry point: {@code java -javaagent:scribe-core-VERSION.jar -cp ... Main} enhances every
 * {@code @Synced} class, and every class writing their synced fields, as it is loaded;
 * {@code -javaagent:scribe-core-VERSION.jar=com.acme.model,com.acme.billing} only the {@code @Synced} classes of
 * those packages. Byte Buddy and the annotations must be on the class path (they are dependencies of scribe-core).
 * Classes loaded before the agent is installed are not enhanced; with {@code -javaagent} that is none of the
 * application's.
 */
public final class ScribeAgent {

    private static final Logger log = LoggerFactory.getLogger(ScribeAgent.class);
    private static final Packages packages = new Packages();
    private static boolean installed;

    private ScribeAgent() {}

    /**
     * Called by the JVM for {@code -javaagent}.
     *
     * @throws IllegalStateException if Byte Buddy cannot be loaded (on the module path without
     *     {@code --add-modules net.bytebuddy,net.bytebuddy.agent}, or missing); the message says what to do
     */
    public static void premain(String arguments, Instrumentation instrumentation) {
        requireByteBuddy();
        install(instrumentation, packagesOf(arguments));
    }

    /**
     * Called by the JVM when the agent is attached to a running JVM.
     *
     * @throws IllegalStateException if Byte Buddy cannot be loaded, as for {@link #premain}
     */
    public static void agentmain(String arguments, Instrumentation instrumentation) {
        requireByteBuddy();
        install(instrumentation, packagesOf(arguments));
    }

    /**
     * Fails with what to do when Byte Buddy cannot be loaded, before the JVM reports a bare
     * {@code NoClassDefFoundError} from the middle of the agent. On the module path this happens when Byte Buddy's
     * jars are there but no module requires them: the JVM then does not resolve them.
     */
    static void requireByteBuddy() {
        try {
            Class.forName("net.bytebuddy.agent.builder.AgentBuilder", false, ScribeAgent.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalStateException("Scribe's agent needs Byte Buddy (net.bytebuddy:byte-buddy and "
                    + "net.bytebuddy:byte-buddy-agent), which this JVM cannot load. Put both jars on the class path "
                    + "(-cp), or on the module path together with --add-modules net.bytebuddy,net.bytebuddy.agent; "
                    + "or enhance the @Synced classes at build time (scribe-maven-plugin) and run without the "
                    + "agent. See docs/CHANGE_CAPTURE.md.", e);
        }
    }

    private static String[] packagesOf(String arguments) {
        return arguments == null || arguments.isBlank() ? new String[0] : arguments.split(",");
    }

    /**
     * Installs the transformation on {@code instrumentation} once per JVM, for the {@code @Synced} classes of
     * {@code packageNames} (none: all); a later call only adds packages.
     */
    static synchronized void install(Instrumentation instrumentation, String... packageNames) {
        packages.add(packageNames);
        if (installed) {
            return;
        }
        log.debug("enhancing @Synced classes of {}", packages);
        AgentInstaller.install(instrumentation, packages);
        installed = true;
    }

    /** Whether the agent enhances the {@code @Synced} class with this binary name. */
    static boolean includes(String className) {
        return packages.test(className);
    }

    static synchronized boolean installed() {
        return installed;
    }
}
