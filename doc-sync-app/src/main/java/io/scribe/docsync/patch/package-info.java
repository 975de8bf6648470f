/** Forward and reverse JSON Patches (RFC 6902) between document versions, for doc-sync's event log. */
package io.scribe.docsync.patch;
