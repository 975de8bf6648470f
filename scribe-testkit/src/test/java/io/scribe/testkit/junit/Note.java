package io.scribe.testkit.junit;

import io.scribe.annotations.Synced;

/** A synced class recorded by explicit calls (the testkit is not enhanced). */
@Synced(explicit = true)
public class Note {
    String id;
    String text;

    Note() {}

    Note(String id, String text) {
        this.id = id;
        this.text = text;
    }
}
