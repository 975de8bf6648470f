/** Implementation details: framing, JSON, clocks, the in-memory store. Not API; may change in any release. */
package io.scribe.core.internal;
