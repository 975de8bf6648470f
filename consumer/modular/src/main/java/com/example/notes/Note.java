package com.example.notes;

import io.scribe.annotations.Synced;

/** A synced class in a named module, enhanced at build time. */
@Synced
public class Note {
    String id;
    String text;

    Note() {
    }

    public Note(String text) {
        this.text = text;
    }

    public String id() {
        return id;
    }

    public String text() {
        return text;
    }

    public void edit(String text) {
        this.text = text;
    }
}
