package io.scribe.core.internal.capture;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decisions of the plugin: which classes are enhanced as synced, which are writers of synced fields (found by
 * scanning their bytecode before the build transforms anything). Thread-safe.
 */
public final class Transformation {

    private static final Logger log = LoggerFactory.getLogger(Transformation.class);

    private final Set<String> writers = ConcurrentHashMap.newKeySet();
    private final Predicate<String> includes;
    private ClassFileLocator lastLocator;
    private SyncedFields lastFields;

    /** @param includes which synced classes (by binary name) are enhanced */
    public Transformation(Predicate<String> includes) {
        this.includes = includes;
    }

    /** Which synced classes are enhanced. */
    public Predicate<String> includes() {
        return includes;
    }

    /**
     * Whether {@code type} is a {@code @Synced} class not enhanced yet. Enhanced means the class itself declares
     * the fields the plugin adds (the recorder or the constructor flags): a subclass compiled against an enhanced
     * superclass (an incremental build) is a {@link Tracked} but still needs its own hooks.
     */
    public boolean matchesSynced(TypeDescription type) {
        return includes.test(type.getName()) && !type.isInterface() && !type.isAnnotation() && SyncedFields.isSynced(type)
                && !enhanced(type) && !SyncedFields.ignored(type.getInternalName());
    }

    /** Whether {@code type} is a {@code @Synced} class this transformation would enhance, enhanced already. */
    public boolean enhancedAlready(TypeDescription type) {
        return includes.test(type.getName()) && !type.isInterface() && !type.isAnnotation() && SyncedFields.isSynced(type)
                && enhanced(type) && !SyncedFields.ignored(type.getInternalName());
    }

    private static boolean enhanced(TypeDescription type) {
        return type.getInterfaces().asErasures().contains(TypeDescription.ForLoadedType.of(Tracked.class))
                || !type.getDeclaredFields().filter(ElementMatchers.nameStartsWith("$scribe$")).isEmpty();
    }

    public boolean hasSyncedSuperclass(TypeDescription type) {
        return SyncedFields.hasSyncedSuperclass(type);
    }

    /** Whether a preprocessed, non-synced {@code type} writes synced fields. */
    public boolean isWriter(TypeDescription type) {
        return writers.contains(type.getName());
    }

    /** Scans {@code type}'s bytecode for writes of synced fields. */
    public synchronized void preprocess(TypeDescription type, ClassFileLocator locator) {
        if (SyncedFields.isSynced(type) || SyncedFields.ignored(type.getInternalName())) {
            return;
        }
        try {
            ClassFileLocator.Resolution resolution = locator.locate(type.getName());
            if (!resolution.isResolved()) {
                return;
            }
            if (locator != lastLocator) {
                lastLocator = locator;
                lastFields = new SyncedFields(TypePool.Default.of(locator), includes);
            }
            if (CaptureVisitor.writesSyncedFields(new ClassReader(resolution.resolve()), lastFields)) {
                writers.add(type.getName());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("could not scan {} for writes of synced fields: {}", type.getName(), e.toString());
        }
    }
}
