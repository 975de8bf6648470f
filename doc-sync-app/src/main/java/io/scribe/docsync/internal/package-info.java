/** doc-sync internals: cryptography, the server's tables. Not API: may change at any time. */
package io.scribe.docsync.internal;
