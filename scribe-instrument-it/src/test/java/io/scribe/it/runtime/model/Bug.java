package io.scribe.it.runtime.model;

import io.scribe.annotations.Synced;

/** A subclass: its constructor and methods write fields declared in {@link Card}. */
@Synced
public class Bug extends Card {
    private String severity;

    protected Bug() {}

    public Bug(String title, String severity) {
        super(title);
        this.severity = severity;
        setPoints(severity.equals("high") ? 8 : 2);
        label("bug");
    }

    public String severity() { return severity; }

    /** Writes its own field and, through the superclass, two inherited ones. */
    public void escalate() {
        severity = "high";
        setPoints(13);
        start();
    }

    @Override
    public String toString() {
        return super.toString() + " severity=" + severity;
    }
}
