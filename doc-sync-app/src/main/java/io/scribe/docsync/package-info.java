/**
 * doc-sync, Scribe's reference app: JSON {@link io.scribe.docsync.Document}s that many clients edit online and offline
 * through one server. See {@code docs/DOC_SYNC.md}.
 */
package io.scribe.docsync;
