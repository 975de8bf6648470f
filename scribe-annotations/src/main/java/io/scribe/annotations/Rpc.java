package io.scribe.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Exposes a {@code static} method of a registered {@link Synced} class to remote peers through the {@code rpc}
 * message. Methods without this annotation cannot be called remotely (the peer gets error 405), whatever their
 * visibility.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Rpc {}
