package com.example.todo;

import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.List;

/** A synced class as an application writes it: plain fields, plain methods, enhanced at build time. */
@Synced
public class Todo {
    String id;
    String title;
    boolean done;
    List<String> tags = new ArrayList<>();

    Todo() {
    }

    public Todo(String title) {
        this.title = title;
    }

    public String id() {
        return id;
    }

    public String title() {
        return title;
    }

    public boolean done() {
        return done;
    }

    public List<String> tags() {
        return tags;
    }

    public void complete() {
        done = true;
    }

    public void tag(String tag) {
        tags.add(tag);
    }
}
