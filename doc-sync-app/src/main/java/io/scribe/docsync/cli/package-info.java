/** The {@code doc-sync} command line: {@code serve}, {@code credentials create}, {@code client}. */
package io.scribe.docsync.cli;
