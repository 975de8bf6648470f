/**
 * Scribe's public API: {@link io.scribe.core.Scriber} (one peer's engine), {@link io.scribe.core.Client} (a remote
 * peer and its cursor), {@link io.scribe.core.Session} (one live connection), {@link io.scribe.core.Scribe} (one
 * recorded change) and the per-class {@link io.scribe.core.Policy}.
 */
package io.scribe.core;
