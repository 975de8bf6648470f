package io.scribe.it.runtime.model;

import io.scribe.annotations.Synced;

/** Holds a value of any type: some cannot be written as JSON. */
@Synced
public class Holder {
    String id;
    Object payload;

    Holder() {}

    public Holder(String id) {
        this.id = id;
    }

    public void hold(Object payload) {
        this.payload = payload;
    }
}
