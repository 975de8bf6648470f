/**
 * Change capture for enhanced {@code @Synced} classes: the hooks enhanced bytecode calls, the per-thread batching of
 * field writes, the recording collection wrappers and the bytecode visitors that insert the hooks. Not API: the
 * types here are public only because enhanced classes in user packages must reach them. May change in any release.
 */
package io.scribe.core.internal.capture;
