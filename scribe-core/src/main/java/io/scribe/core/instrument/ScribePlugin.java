package io.scribe.core.instrument;

import io.scribe.core.internal.capture.CaptureWrapper;
import io.scribe.core.internal.capture.MethodAdvice;
import io.scribe.core.internal.capture.Recorder;
import io.scribe.core.internal.capture.Tracked;
import io.scribe.core.internal.capture.Transformation;
import java.io.IOException;
import java.util.function.Predicate;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.build.Plugin;
import net.bytebuddy.description.modifier.FieldManifestation;
import net.bytebuddy.description.modifier.FieldPersistence;
import net.bytebuddy.description.modifier.SyntheticState;
import net.bytebuddy.description.modifier.Visibility;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.implementation.FieldAccessor;
import net.bytebuddy.matcher.ElementMatchers;

/**
 * Scribe's Byte Buddy transformation, the one used by all three ways of enhancing.
 *
 * <p>A class annotated {@code @Synced} gets: a volatile field binding each instance to the peer that created or
 * received it (and {@link Tracked} to reach it), a call after every write of a synced field, a call at the end of
 * its outermost constructor (recording {@code create} when a Scriber is current on the thread), and around each
 * instance method a frame that batches the writes made during the outermost call into one update per object. Any
 * other class that writes synced fields of a {@code @Synced} class (a package-private, protected or public field)
 * gets the calls after those writes only.
 *
 * <p>At build time, name this class in Byte Buddy's Maven plugin ({@code <transformation><plugin>}); it has the
 * public no-argument constructor the plugin needs. Enhancing a class twice is harmless: an enhanced class is left
 * alone. Instances are not thread-safe for the build (one per plugin run), thread-safe for the agent.
 */
public final class ScribePlugin implements Plugin, Plugin.WithPreprocessor {

    /** The name of the field binding an enhanced object to its peer. */
    static final String RECORDER_FIELD = "$scribe$recorder";

    private final Transformation transformation;
    /** The {@code @Synced} classes met that an earlier run enhanced already (an incremental build). */
    private final java.util.Set<String> enhancedAlready = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Enhances every {@code @Synced} class: what Byte Buddy's build plugin instantiates. */
    public ScribePlugin() {
        this(name -> true);
    }

    /** Enhances the {@code @Synced} classes whose binary name passes {@code includes}. */
    ScribePlugin(Predicate<String> includes) {
        this.transformation = new Transformation(includes);
    }

    @Override
    public void onPreprocess(TypeDescription typeDescription, ClassFileLocator classFileLocator) {
        transformation.preprocess(typeDescription, classFileLocator);
    }

    @Override
    public boolean matches(TypeDescription target) {
        if (transformation.matchesSynced(target) || transformation.isWriter(target)) {
            return true;
        }
        if (transformation.enhancedAlready(target)) {
            enhancedAlready.add(target.getName());
        }
        return false;
    }

    /**
     * The binary names of the {@code @Synced} classes this plugin was shown that were enhanced already (by an earlier
     * build over the same class files) and so were left as they are.
     */
    public java.util.Set<String> enhancedAlready() {
        return java.util.Set.copyOf(enhancedAlready);
    }

    @Override
    public DynamicType.Builder<?> apply(DynamicType.Builder<?> builder, TypeDescription typeDescription,
            ClassFileLocator classFileLocator) {
        if (!transformation.matchesSynced(typeDescription)) {
            return builder.visit(new CaptureWrapper(false, transformation.includes()));
        }
        builder = builder.visit(new CaptureWrapper(true, transformation.includes()))
                .visit(Advice.to(MethodAdvice.class).on(ElementMatchers.isMethod()
                        .and(ElementMatchers.not(ElementMatchers.isStatic()))
                        .and(ElementMatchers.not(ElementMatchers.isAbstract()))
                        .and(ElementMatchers.not(ElementMatchers.isNative()))
                        .and(ElementMatchers.not(ElementMatchers.isBridge()))
                        .and(ElementMatchers.not(ElementMatchers.nameStartsWith("$scribe")))));
        if (!transformation.hasSyncedSuperclass(typeDescription)) {
            builder = builder
                    .defineField(RECORDER_FIELD, Recorder.class, Visibility.PRIVATE, FieldManifestation.VOLATILE,
                            FieldPersistence.TRANSIENT, SyntheticState.SYNTHETIC)
                    .implement(Tracked.class)
                    .intercept(FieldAccessor.ofField(RECORDER_FIELD));
        }
        return builder;
    }

    @Override
    public void close() throws IOException {
        // nothing held
    }
}
