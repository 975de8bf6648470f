package io.scribe.core.instrument;

import io.scribe.core.internal.capture.WriterTransformer;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;
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

    /** Called by the JVM for {@code -javaagent}. */
    public static void premain(String arguments, Instrumentation instrumentation) {
        install(instrumentation, packagesOf(arguments));
    }

    /** Called by the JVM when the agent is attached to a running JVM. */
    public static void agentmain(String arguments, Instrumentation instrumentation) {
        install(instrumentation, packagesOf(arguments));
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
        ScribePlugin plugin = new ScribePlugin(packages);
        new AgentBuilder.Default()
                .with(AgentBuilder.TypeStrategy.Default.REDEFINE)
                .with(new AgentBuilder.Listener.Adapter() {
                    @Override
                    public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module,
                            boolean loaded, DynamicType dynamicType) {
                        log.debug("enhanced {}", type.getName());
                    }

                    @Override
                    public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded,
                            Throwable throwable) {
                        log.warn("could not enhance {}: its changes will not be recorded", typeName, throwable);
                    }
                })
                .type(plugin::matches)
                .transform(new AgentBuilder.Transformer.ForBuildPlugin(plugin))
                .installOn(instrumentation);
        instrumentation.addTransformer(new WriterTransformer(packages));
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
