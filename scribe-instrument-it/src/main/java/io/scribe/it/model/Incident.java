package io.scribe.it.model;

import io.scribe.annotations.Synced;

/** A subclass whose constructor writes inherited fields through their setters. */
@Synced
public class Incident extends Ticket {
    private String service;

    protected Incident() {}

    public Incident(String title, String service) {
        super(title);
        this.service = service;
        setPriority(1);
    }

    public String service() { return service; }

    public void move(String service) {
        this.service = service;
        setTitle(getClass().getSimpleName() + " on " + service);
    }
}
