package io.scribe.it.runtime.model;

import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.List;

/** The convergence test's domain class: mutated only through its own methods. */
@Synced
public class Item {
    @SyncId
    private String id;
    private String title;
    private boolean done;
    private int priority;
    private List<String> tags = new ArrayList<>();

    protected Item() {}

    public Item(String id, String title, int priority) {
        this.id = id;
        this.title = title;
        this.priority = priority;
    }

    public String id() { return id; }

    public void rename(String title) { this.title = title; }
    public void prioritize(int priority) { this.priority = priority; }
    public void tag(String tag) { tags.add(tag); }

    public void complete() {
        done = true;
        priority = 0;
    }

    @Override
    public String toString() {
        return id + " title=" + title + " done=" + done + " priority=" + priority + " tags=" + tags;
    }
}
