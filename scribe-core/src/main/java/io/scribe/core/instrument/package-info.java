/**
 * Enhancement of {@code @Synced} classes so that every change is recorded without calls to the engine. One Byte
 * Buddy transformation, {@link io.scribe.core.instrument.ScribePlugin}, applied in one of three ways: at build time
 * by Byte Buddy's Maven plugin, at startup with {@code -javaagent:scribe-core.jar}
 * ({@link io.scribe.core.instrument.ScribeAgent}), or at run time with
 * {@link io.scribe.core.instrument.ScribeInstrumentation#install()}. See {@code docs/CHANGE_CAPTURE.md}.
 */
package io.scribe.core.instrument;
