/** doc-sync's client store: the Scribe store SPI on one SQLite file. */
package io.scribe.docsync.store;
