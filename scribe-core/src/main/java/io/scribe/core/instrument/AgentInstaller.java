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
 * Installs the transformation with Byte Buddy's agent builder. Kept apart from {@link ScribeAgent}, which must not
 * mention Byte Buddy's types: the JVM loads those while verifying the agent class, before {@code premain} could say
 * that Byte Buddy is missing.
 */
final class AgentInstaller {

    private static final Logger log = LoggerFactory.getLogger(ScribeAgent.class);

    private AgentInstaller() {}

    /** Enhances, as they load, the {@code @Synced} classes that {@code packages} accepts and their writers. */
    static void install(Instrumentation instrumentation, Packages packages) {
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
    }
}
