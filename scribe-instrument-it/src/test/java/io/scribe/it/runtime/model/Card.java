package io.scribe.it.runtime.model;

import io.scribe.annotations.NotSynced;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A domain class written the ordinary way, with no call to Scribe: private fields, constructors that delegate,
 * setters, business methods that change several fields, collections. Enhanced at run time by the tests.
 */
@Synced
public class Card {
    @SyncId
    private String id;
    private String title;
    private int points;
    private boolean done;
    private long estimateMillis;
    private double weight;
    private Status status = Status.OPEN;
    private LocalDate due;
    private List<String> labels = new ArrayList<>();
    private Set<String> watchers = new LinkedHashSet<>();
    private Map<String, Integer> votes = new HashMap<>();
    private transient int views;
    @NotSynced
    private String draft;

    protected Card() {}

    public Card(String title) {
        this(null, title);
    }

    public Card(String id, String title) {
        this.id = id;
        this.title = title;
    }

    public String id() { return id; }
    public String title() { return title; }
    public int points() { return points; }
    public boolean done() { return done; }
    public long estimateMillis() { return estimateMillis; }
    public double weight() { return weight; }
    public Status status() { return status; }
    public LocalDate due() { return due; }
    public List<String> labels() { return labels; }
    public Set<String> watchers() { return watchers; }
    public Map<String, Integer> votes() { return votes; }
    public int views() { return views; }
    public String draft() { return draft; }

    public void setTitle(String title) { this.title = title; }
    public void setPoints(int points) { this.points = points; }
    public void setDue(LocalDate due) { this.due = due; }
    public void setDraft(String draft) { this.draft = draft; }
    public void setLabels(List<String> labels) { this.labels = labels; }
    public void estimate(long millis, double weight) {
        this.estimateMillis = millis;
        this.weight = weight;
    }
    public void view() { views++; }

    /** Changes three fields: one update. */
    public void finish() {
        done = true;
        status = Status.DONE;
        points = 0;
    }

    public void start() {
        status = Status.DOING;
    }

    public void label(String label) { labels.add(label); }
    public void watch(String who) { watchers.add(who); }
    public void vote(String who) { votes.merge(who, 1, Integer::sum); }

    /** Fails half-way: the field written before the failure is still recorded. */
    public void renameThenFail(String newTitle) {
        title = newTitle;
        throw new IllegalArgumentException("refused after renaming");
    }

    @Override
    public String toString() {
        return id + " title=" + title + " points=" + points + " done=" + done + " status=" + status + " due=" + due
                + " estimate=" + estimateMillis + " weight=" + weight + " labels=" + labels + " watchers=" + watchers
                + " votes=" + new java.util.TreeMap<>(votes);
    }
}
