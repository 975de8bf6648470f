package io.scribe.core.internal.capture;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.field.FieldList;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.pool.TypePool;

/** Applies {@link CaptureVisitor} inside a Byte Buddy transformation, resolving fields with Byte Buddy's type pool. */
public final class CaptureWrapper extends AsmVisitorWrapper.AbstractBase {

    private final boolean synced;
    private final Predicate<String> includes;

    /**
     * @param synced whether the instrumented class is {@code @Synced} (constructor hooks and flags)
     * @param includes which synced classes (by binary name) are enhanced, so which writes are hooked
     */
    public CaptureWrapper(boolean synced, Predicate<String> includes) {
        this.synced = synced;
        this.includes = includes;
    }

    @Override
    public ClassVisitor wrap(TypeDescription instrumentedType, ClassVisitor classVisitor,
            Implementation.Context implementationContext, TypePool typePool,
            FieldList<FieldDescription.InDefinedShape> fields, MethodList<?> methods, int writerFlags,
            int readerFlags) {
        List<String> constructors = new ArrayList<>();
        if (synced) {
            for (MethodDescription m : instrumentedType.getDeclaredMethods()) {
                if (m.isConstructor()) {
                    constructors.add(m.getDescriptor());
                }
            }
        }
        return new CaptureVisitor(classVisitor, new SyncedFields(typePool, includes), synced, constructors);
    }
}
