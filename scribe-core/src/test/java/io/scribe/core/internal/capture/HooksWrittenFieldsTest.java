package io.scribe.core.internal.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the write hooks hand to the recorder: the object and the names of the fields written, one flush per object
 * when the outermost method returns, every field when a write did not name its field.
 */
class HooksWrittenFieldsTest {

    /** A bound object as enhanced bytecode would make it. */
    static final class Thing implements Tracked {
        private Recorder recorder;

        @Override
        public Recorder $scribe$recorder() {
            return recorder;
        }

        @Override
        public void $scribe$recorder(Recorder recorder) {
            this.recorder = recorder;
        }
    }

    /** Notes each flush as "object:field,field" ("object:*" for every field). */
    static class Notes implements Recorder {
        final List<String> flushes = new ArrayList<>();
        final List<Object> objects = new ArrayList<>();

        @Override
        public void flush(Object object) {
            throw new AssertionError("flush without field names");
        }

        @Override
        public void flush(Object object, String[] fields, int count) {
            int n = objects.indexOf(object);
            if (n < 0) {
                objects.add(object);
                n = objects.size() - 1;
            }
            flushes.add(n + ":" + (fields == null ? "*" : String.join(",", Arrays.copyOf(fields, count))));
        }

        @Override
        public void assigned(Object object, String field) {}

        @Override
        public void constructed(Object object) {}
    }

    @Test
    void aWriteOutsideAnyMethodFlushesAtOnceWithItsField() {
        Notes notes = new Notes();
        Thing thing = new Thing();
        thing.$scribe$recorder(notes);

        Hooks.written(thing, "title");
        Hooks.changed(thing, "labels");

        assertThat(notes.flushes).containsExactly("0:title", "0:labels");
    }

    @Test
    void writesInsideAMethodFlushOncePerObjectWithEveryFieldWrittenOnce() {
        Notes notes = new Notes();
        Thing one = new Thing();
        Thing two = new Thing();
        one.$scribe$recorder(notes);
        two.$scribe$recorder(notes);

        Object token = Hooks.enter(one);
        Hooks.written(one, "title");
        Object inner = Hooks.enter(two);
        Hooks.written(two, "points");
        Hooks.written(one, "done");
        Hooks.exit(inner);
        assertThat(notes.flushes).isEmpty();
        Hooks.written(one, "title");
        Hooks.writtenCollection(one, "labels");
        Hooks.exit(token);

        assertThat(notes.flushes).containsExactly("0:title,done,labels", "1:points");
    }

    @Test
    void aWriteThatNamesNoFieldFlushesEveryField() {
        Notes notes = new Notes();
        Thing thing = new Thing();
        thing.$scribe$recorder(notes);

        Object token = Hooks.enter(thing);
        Hooks.written(thing, "title");
        Hooks.written(thing);
        Hooks.written(thing, "points");
        Hooks.exit(token);
        Hooks.written(thing);

        assertThat(notes.flushes).containsExactly("0:*", "0:*");
    }

    @Test
    void anObjectWrittenWhileItIsFlushedIsFlushedAgainWithTheNewField() {
        Thing thing = new Thing();
        Notes notes = new Notes() {
            @Override
            public void flush(Object object, String[] fields, int count) {
                super.flush(object, fields, count);
                if (flushes.size() == 1) {
                    Hooks.written(object, "echo");   // a listener writing the object while it is recorded
                }
            }
        };
        thing.$scribe$recorder(notes);

        Hooks.written(thing, "title");

        assertThat(notes.flushes).containsExactly("0:title", "0:echo");
    }

    @Test
    void unboundObjectsAreNotFlushed() {
        Notes notes = new Notes();
        Thing thing = new Thing();
        Hooks.written(thing, "title");
        thing.$scribe$recorder(notes);
        Object token = Hooks.enter(thing);
        Hooks.written(thing, "title");
        thing.$scribe$recorder(null);
        Hooks.exit(token);

        assertThat(notes.flushes).isEmpty();
    }
}
