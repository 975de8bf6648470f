package io.scribe.it.agent.model;

import io.scribe.annotations.Synced;

/** Enhanced only in the child JVM of {@code JavaAgentTest}, by {@code -javaagent}. */
@Synced
public class Memo {
    private String id;
    private String text;

    protected Memo() {}

    public Memo(String id, String text) {
        this.id = id;
        this.text = text;
    }

    public void edit(String text) {
        this.text = text;
    }
}
