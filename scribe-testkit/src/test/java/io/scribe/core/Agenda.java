package io.scribe.core;

import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.List;

/** A synced class with lists that merge keeping concurrent inserts. */
@Synced(explicit = true)
public class Agenda {
    String id;
    String title;
    List<String> items = new ArrayList<>();
    List<Long> scores = new ArrayList<>();
    List<Slot> slots = new ArrayList<>();

    /** A value object as a list element. */
    public record Slot(String who, int minutes) {}

    Agenda() {}

    Agenda(String id, String title) {
        this.id = id;
        this.title = title;
    }
}
