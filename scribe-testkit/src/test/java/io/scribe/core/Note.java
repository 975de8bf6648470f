package io.scribe.core;

import io.scribe.annotations.Synced;

/** A second synced class, with an owner, for access rules. */
@Synced(explicit = true)
public class Note {
    String id;
    String text;
    String owner;

    Note() {}

    Note(String id, String text, String owner) {
        this.id = id;
        this.text = text;
        this.owner = owner;
    }
}
