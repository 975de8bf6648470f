package io.scribe.it.runtime.model;

import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.List;

/**
 * Fields whose contents change without a write of the field: an array, a nested object that is not synced, a list
 * of such objects. Enhanced at run time by the tests.
 */
@Synced
public class Sheet {
    String id;
    String name;
    int[] cells = new int[2];
    Style style = new Style();
    List<Style> history = new ArrayList<>();
    List<String> tags = new ArrayList<>();

    Sheet() {}

    public Sheet(String id, String name) {
        this.id = id;
        this.name = name;
    }

    public int[] cells() { return cells; }
    public Style style() { return style; }
    public List<Style> history() { return history; }
    public List<String> tags() { return tags; }

    public void rename(String name) {
        this.name = name;
    }

    /** Renames and tags in one method: one update with both fields. */
    public void retitle(String name, String tag) {
        this.name = name;
        tags.add(tag);
    }

    /** A plain mutable object held by a synced field: not synced itself, so its changes write no synced field. */
    public static class Style {
        private String color = "black";

        public String getColor() { return color; }
        public void setColor(String color) { this.color = color; }
    }
}
