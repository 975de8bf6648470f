package io.scribe.core;

import io.scribe.annotations.NotSynced;
import io.scribe.annotations.Rpc;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.List;

/** A domain class written the ordinary way: private fields, a no-arg constructor, setters and business methods. */
@Synced(explicit = true)
public class Task {
    @SyncId
    private String id;
    private String title;
    private boolean done;
    private int priority;
    private List<String> tags = new ArrayList<>();
    private transient int views;
    @NotSynced
    private String draft;

    Task() {}

    public Task(String title, int priority) {
        this.title = title;
        this.priority = priority;
    }

    public Task(String id, String title, int priority) {
        this(title, priority);
        this.id = id;
    }

    public String id() { return id; }
    public String title() { return title; }
    public boolean done() { return done; }
    public int priority() { return priority; }
    public List<String> tags() { return tags; }
    public String draft() { return draft; }
    public int views() { return views; }

    public void setTitle(String title) { this.title = title; }
    public void setPriority(int priority) { this.priority = priority; }
    public void setDraft(String draft) { this.draft = draft; }
    public void view() { views++; }

    public void complete() {
        done = true;
        priority = 0;
    }

    public void tag(String tag) {
        tags.add(tag);
    }

    @Rpc
    static int add(int a, int b) {
        return a + b;
    }

    static String secret() {
        return "not exposed";
    }

    @Override
    public String toString() {
        return id + " title=" + title + " done=" + done + " priority=" + priority + " tags=" + tags;
    }
}
