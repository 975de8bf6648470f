/**
 * Annotations that mark replicated classes. This module has no dependencies, so domain classes can carry the
 * annotations without pulling in the engine.
 */
package io.scribe.annotations;
