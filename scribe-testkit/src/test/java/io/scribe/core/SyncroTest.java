package io.scribe.core;

import io.scribe.annotations.Synced;

/** The record class of the Ruby Syncro peers in the wire captures: {@code Test {id, name}}. */
@Synced(value = "Test", explicit = true)
public class SyncroTest {
    Object id;
    String name;

    SyncroTest() {}

    SyncroTest(String id, String name) {
        this.id = id;
        this.name = name;
    }
}
