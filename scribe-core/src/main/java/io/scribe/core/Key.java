package io.scribe.core;

/** The identity of a synced object on every peer: its wire class name and its identity as text. */
record Key(String klass, String id) {
    @Override
    public String toString() {
        return klass + "/" + id;
    }
}
