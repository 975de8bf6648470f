package io.scribe.core;

import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A synced class with collections that merge as add-wins sets. */
@Synced(explicit = true)
public class Board {
    String id;
    String title;
    Set<String> tags = new LinkedHashSet<>();
    List<String> labels = new ArrayList<>();

    Board() {}

    Board(String id, String title) {
        this.id = id;
        this.title = title;
    }
}
