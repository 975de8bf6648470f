package io.scribe.micrometer;

import io.scribe.annotations.Synced;

/** The synced class of the metrics tests. */
@Synced(explicit = true)
public class Item {
    String id;
    String name;

    Item() {}

    Item(String id, String name) {
        this.id = id;
        this.name = name;
    }
}
