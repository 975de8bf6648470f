package io.scribe.annotations;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the identity field of a {@link Synced} class. Its value names the object on every peer and never changes.
 * A {@code String} identity that is {@code null} when the object is created is assigned a random UUID.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface SyncId {}
