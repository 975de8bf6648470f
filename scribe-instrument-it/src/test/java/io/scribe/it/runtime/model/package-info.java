/** Domain classes for the change-capture tests, enhanced at run time: nothing in them calls Scribe. */
package io.scribe.it.runtime.model;
