package io.scribe.core.internal.capture;

import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;
import net.bytebuddy.utility.OpenedClassReader;

/**
 * Inserts the write hooks into one class, and, when the class is {@code @Synced}, the constructor hooks.
 *
 * <p>Every {@code PUTFIELD} of a synced field (in any method of any class) is followed by a call to
 * {@link Hooks#written(Object, String)} with the written object and the field's name (a constant); the stack is
 * shuffled so the object survives the write. In
 * a constructor, writes before the {@code super(...)}/{@code this(...)} call are left alone (the object does not
 * exist yet).
 *
 * <p>Constructors of a {@code @Synced} class call {@link Hooks#constructed(Object, boolean, Class)} before they
 * return. To tell the outermost constructor from one reached through {@code this(...)}, the class gets one private
 * boolean per constructor; a constructor that delegates sets the flag of its target just before the call (writing a
 * field of the class being constructed is allowed before the object is initialised), and each constructor passes its
 * own flag as {@code inner}. No branch is inserted anywhere, so stack map frames stay valid.
 */
final class CaptureVisitor extends ClassVisitor {

    static final String HOOKS = Type.getInternalName(Hooks.class);
    static final String FLAG_PREFIX = "$scribe$c";

    private final SyncedFields fields;
    private final boolean synced;
    private final List<String> constructors;
    private String self;
    private boolean changed;

    /**
     * @param synced whether the class is {@code @Synced} (constructor hooks)
     * @param constructors the descriptors of the class's constructors, indexing the flags; empty when not synced
     */
    CaptureVisitor(ClassVisitor next, SyncedFields fields, boolean synced, List<String> constructors) {
        super(OpenedClassReader.ASM_API, next);
        this.fields = fields;
        this.synced = synced;
        this.constructors = constructors;
    }

    /**
     * Whether any method of the class in {@code reader} writes a synced field and the class has not been enhanced
     * yet (no method calls {@link Hooks}): a class built again without recompiling keeps the hooks it got.
     */
    static boolean writesSyncedFields(ClassReader reader, SyncedFields fields) {
        boolean[] found = {false};
        boolean[] hooked = {false};
        reader.accept(new ClassVisitor(OpenedClassReader.ASM_API) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                if (hooked[0]) {
                    return null;
                }
                return new MethodVisitor(OpenedClassReader.ASM_API) {
                    @Override
                    public void visitFieldInsn(int opcode, String owner, String field, String desc) {
                        if (opcode == Opcodes.PUTFIELD && fields.kind(owner, field) != SyncedFields.Kind.NONE) {
                            found[0] = true;
                        }
                    }

                    @Override
                    public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                        if (owner.equals(HOOKS)) {
                            hooked[0] = true;
                        }
                    }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return found[0] && !hooked[0];
    }

    /** The constructor descriptors of the class in {@code reader}, in class-file order. */
    static List<String> constructors(ClassReader reader) {
        List<String> result = new ArrayList<>();
        reader.accept(new ClassVisitor(OpenedClassReader.ASM_API) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                if (name.equals("<init>")) {
                    result.add(descriptor);
                }
                return null;
            }
        }, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return result;
    }

    boolean changed() {
        return changed;
    }

    @Override
    public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
        self = name;
        super.visit(version, access, name, signature, superName, interfaces);
    }

    @Override
    public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
            String[] exceptions) {
        MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
        if (mv == null || (access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
            return mv;
        }
        return new Hooked(mv, name.equals("<init>") ? descriptor : null);
    }

    @Override
    public void visitEnd() {
        if (synced) {
            for (int i = 0; i < constructors.size(); i++) {
                super.visitField(Opcodes.ACC_PRIVATE | Opcodes.ACC_TRANSIENT | Opcodes.ACC_SYNTHETIC,
                        FLAG_PREFIX + i, "Z", null, null).visitEnd();
            }
        }
        super.visitEnd();
    }

    private String flag(String constructorDescriptor) {
        int index = constructors.indexOf(constructorDescriptor);
        if (index < 0) {
            throw new IllegalStateException("unknown constructor " + self + constructorDescriptor);
        }
        return FLAG_PREFIX + index;
    }

    private final class Hooked extends MethodVisitor {
        /** The descriptor of this constructor, null for a method. */
        private final String constructor;
        private boolean initialized;
        private int pendingNew;

        Hooked(MethodVisitor mv, String constructor) {
            super(OpenedClassReader.ASM_API, mv);
            this.constructor = constructor;
            this.initialized = constructor == null;
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
            if (opcode == Opcodes.NEW && !initialized) {
                pendingNew++;
            }
            super.visitTypeInsn(opcode, type);
        }

        @Override
        public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean itf) {
            if (!initialized && opcode == Opcodes.INVOKESPECIAL && name.equals("<init>")) {
                if (pendingNew > 0) {
                    pendingNew--;
                } else {
                    // The super(...) or this(...) call of this constructor.
                    if (synced && owner.equals(self)) {
                        super.visitVarInsn(Opcodes.ALOAD, 0);
                        super.visitInsn(Opcodes.ICONST_1);
                        super.visitFieldInsn(Opcodes.PUTFIELD, self, flag(descriptor), "Z");
                        changed = true;
                    }
                    super.visitMethodInsn(opcode, owner, name, descriptor, itf);
                    initialized = true;
                    return;
                }
            }
            super.visitMethodInsn(opcode, owner, name, descriptor, itf);
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            SyncedFields.Kind kind = opcode == Opcodes.PUTFIELD && initialized
                    ? fields.kind(owner, name) : SyncedFields.Kind.NONE;
            if (kind == SyncedFields.Kind.NONE) {
                super.visitFieldInsn(opcode, owner, name, descriptor);
                return;
            }
            changed = true;
            if (descriptor.equals("J") || descriptor.equals("D")) {
                // [obj, v2] -> [obj, obj, v2]
                super.visitInsn(Opcodes.DUP2_X1);
                super.visitInsn(Opcodes.POP2);
                super.visitInsn(Opcodes.DUP_X2);
                super.visitInsn(Opcodes.DUP_X2);
                super.visitInsn(Opcodes.POP);
                super.visitFieldInsn(opcode, owner, name, descriptor);
            } else {
                // [obj, v] -> [obj, v, obj, v] -> [obj]
                super.visitInsn(Opcodes.DUP2);
                super.visitFieldInsn(opcode, owner, name, descriptor);
                super.visitInsn(Opcodes.POP);
            }
            // The field's name as a constant: the recorder diffs the fields written, not all of them.
            super.visitLdcInsn(name);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS,
                    kind == SyncedFields.Kind.COLLECTION ? "writtenCollection" : "written",
                    "(Ljava/lang/Object;Ljava/lang/String;)V", false);
        }

        @Override
        public void visitInsn(int opcode) {
            if (opcode == Opcodes.RETURN && constructor != null && synced) {
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitVarInsn(Opcodes.ALOAD, 0);
                super.visitFieldInsn(Opcodes.GETFIELD, self, flag(constructor), "Z");
                super.visitLdcInsn(Type.getObjectType(self));
                super.visitMethodInsn(Opcodes.INVOKESTATIC, HOOKS, "constructed",
                        "(Ljava/lang/Object;ZLjava/lang/Class;)V", false);
                changed = true;
            }
            super.visitInsn(opcode);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(maxStack + 4, maxLocals);
        }
    }
}
