package io.scribe.core;

import io.scribe.core.internal.capture.Recorder;

/** Connects the objects enhanced classes bind to a {@link Scriber}; what the capture hooks call. Thread-safe. */
final class ScriberRecorder implements Recorder {

    private final Scriber scriber;

    ScriberRecorder(Scriber scriber) {
        this.scriber = scriber;
    }

    @Override
    public void flush(Object object) {
        scriber.flushEnhanced(object);
    }

    @Override
    public void assigned(Object object, String field) {
        scriber.wrapAssigned(object, field);
    }

    @Override
    public void constructed(Object object) {
        scriber.constructed(object);
    }

    @Override
    public String toString() {
        return "recorder of " + scriber.id();
    }
}
