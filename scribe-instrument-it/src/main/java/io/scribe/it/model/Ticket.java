package io.scribe.it.model;

import io.scribe.annotations.NotSynced;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** An ordinary domain class: private fields, delegating constructors, setters, a business method, collections. */
@Synced
public class Ticket {
    @SyncId
    private String id;
    private String title;
    private int priority;
    private boolean closed;
    String assignee;                 // package-private: written by TicketDesk
    private List<String> comments = new ArrayList<>();
    private Map<String, String> fields = new HashMap<>();
    @NotSynced
    private String scratch;
    private transient int reads;

    protected Ticket() {}

    public Ticket(String title) {
        this(null, title, 3);
    }

    public Ticket(String id, String title, int priority) {
        this.id = id;
        this.title = title;
        this.priority = priority;
    }

    public String id() { return id; }
    public String title() { return title; }
    public int priority() { return priority; }
    public boolean closed() { return closed; }
    public String assignee() { return assignee; }
    public List<String> comments() { return comments; }
    public Map<String, String> fields() { return fields; }

    public void setTitle(String title) { this.title = title; }
    public void setPriority(int priority) { this.priority = priority; }
    public void setScratch(String scratch) { this.scratch = scratch; }
    public void read() { reads++; }

    /** Changes three fields and a list: one update. */
    public void close(String resolution) {
        closed = true;
        priority = 0;
        comments.add("closed: " + resolution);
        fields.put("resolution", resolution);
    }

    @Override
    public String toString() {
        return id + " title=" + title + " priority=" + priority + " closed=" + closed + " assignee=" + assignee
                + " comments=" + comments + " fields=" + new java.util.TreeMap<>(fields);
    }
}
