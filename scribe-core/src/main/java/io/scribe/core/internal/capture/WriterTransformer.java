package io.scribe.core.internal.capture;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Predicate;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.pool.TypePool;
import net.bytebuddy.utility.OpenedClassReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's transformer for classes that are not {@code @Synced} but write synced fields of other classes: it
 * scans each class as it is loaded and inserts the write hooks where needed, leaving every other class untouched.
 * The {@code @Synced} classes themselves go through the Byte Buddy plugin. Thread-safe.
 */
public final class WriterTransformer implements ClassFileTransformer {

    private static final Logger log = LoggerFactory.getLogger(WriterTransformer.class);
    private static final String SYNCED_DESCRIPTOR = "L" + SyncedFields.SYNCED.replace('.', '/') + ";";

    private final Map<ClassLoader, SyncedFields> byLoader = Collections.synchronizedMap(new WeakHashMap<>());
    private final Predicate<String> includes;

    /** @param includes which synced classes (by binary name) are enhanced, so which writes are hooked */
    public WriterTransformer(Predicate<String> includes) {
        this.includes = includes;
    }

    @Override
    public byte[] transform(ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader == null || className == null || classBeingRedefined != null || SyncedFields.ignored(className)) {
            return null;
        }
        try {
            ClassReader reader = new ClassReader(classfileBuffer);
            if (isSynced(reader)) {
                return null;
            }
            SyncedFields fields = byLoader.computeIfAbsent(loader,
                    l -> new SyncedFields(TypePool.Default.of(ClassFileLocator.ForClassLoader.of(l)), includes));
            if (!CaptureVisitor.writesSyncedFields(reader, fields)) {
                return null;
            }
            ClassWriter writer = new ClassWriter(reader, 0);
            reader.accept(new CaptureVisitor(writer, fields, false, List.of()), 0);
            log.debug("write hooks inserted into {}", className);
            return writer.toByteArray();
        } catch (Throwable e) {
            // A class we cannot read is loaded as it is: its writes are not recorded, the program still runs.
            log.warn("could not insert write hooks into {}: {}", className, e.toString());
            return null;
        }
    }

    private static boolean isSynced(ClassReader reader) {
        boolean[] synced = {false};
        reader.accept(new ClassVisitor(OpenedClassReader.ASM_API) {
            @Override
            public AnnotationVisitor visitAnnotation(String descriptor, boolean visible) {
                if (descriptor.equals(SYNCED_DESCRIPTOR)) {
                    synced[0] = true;
                }
                return null;
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return synced[0];
    }

}
