/** Implementation details of the file store: the commit journal, URL parsing. Not API. */
package io.scribe.store.file.internal;
