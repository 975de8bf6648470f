/**
 * Domain classes enhanced at build time by Byte Buddy's Maven plugin running {@code ScribePlugin}: nothing in them
 * calls Scribe, and no agent is needed to record their changes.
 */
package io.scribe.it.model;
