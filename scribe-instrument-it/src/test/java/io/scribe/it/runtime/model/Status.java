package io.scribe.it.runtime.model;

/** A card's workflow state. */
public enum Status {
    OPEN,
    DOING,
    DONE
}
