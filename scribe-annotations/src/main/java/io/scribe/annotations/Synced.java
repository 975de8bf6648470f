package io.scribe.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a class whose instances are replicated between peers. Every non-static field that is neither
 * {@code transient} nor {@link NotSynced} is a synced field; the field marked {@link SyncId} (or, without one, the
 * field named {@code id}) is the object's identity.
 *
 * <p>The class needs a no-argument constructor (any visibility): a peer that receives a {@code create} builds the
 * object with it and then sets the synced fields.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Synced {
    /**
     * The class name used on the wire (Syncro's {@code klass}). Empty means the class's simple name, which is what a
     * Ruby Syncro peer with a model of the same name expects.
     */
    String value() default "";

    /**
     * True when the application records this class's changes itself, through {@code Scriber.create}, {@code save}
     * and {@code destroy}, and does not enhance it: registering the class then accepts it unenhanced. By default a
     * {@code @Synced} class must be enhanced (at build time, by the agent or by a run-time install) before it is
     * registered, since writes to an unenhanced object would silently go unrecorded.
     */
    boolean explicit() default false;
}
