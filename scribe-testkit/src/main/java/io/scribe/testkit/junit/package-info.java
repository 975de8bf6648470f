/** JUnit 5 support for applications' own sync tests: {@link io.scribe.testkit.junit.ScribeExtension}. */
package io.scribe.testkit.junit;
