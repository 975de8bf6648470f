package io.scribe.it.runtime;

import static io.scribe.it.runtime.Capture.after;
import static io.scribe.it.runtime.Capture.peer;
import static io.scribe.it.runtime.Capture.updated;
import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.it.runtime.model.Card;
import io.scribe.it.runtime.model.Sheet;
import java.lang.reflect.Field;
import org.junit.jupiter.api.Test;

/**
 * An update recorded through the write hooks diffs the fields that were written (the hooks name them) and the fields
 * whose contents change without a write; an explicit save diffs every field. To tell the two apart, the tests change
 * a field by reflection, which no hook sees: such a change is left for the next save.
 */
class WrittenFieldsTest {

    /** Writes {@code field} of {@code object} by reflection: no hook runs, nothing is recorded. */
    private static void sneak(Object object, String field, Object value) throws ReflectiveOperationException {
        Field f = object.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(object, value);
    }

    @Test
    void aSetterRecordsExactlyTheFieldItWroteAndSaveRecordsTheRest() throws Exception {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "first"));
        long before = a.lastScribeId();

        sneak(card, "title", "changed unseen");
        card.setPoints(3);

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly("{\"points\":3}");
        assertThat(a.save(card)).isPresent();
        assertThat(after(a, before)).extracting(Capture::updated)
                .containsExactly("{\"points\":3}", "{\"title\":\"changed unseen\"}");
    }

    @Test
    void aMethodWritingSeveralFieldsRecordsOneUpdateWithAllOfThemAndNoOther() throws Exception {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "first"));
        card.setPoints(5);
        long before = a.lastScribeId();

        sneak(card, "title", "changed unseen");
        card.finish();

        assertThat(after(a, before)).extracting(Capture::updated)
                .containsExactly("{\"points\":0,\"done\":true,\"status\":\"DONE\"}");
    }

    @Test
    void aChangeInPlaceOfACollectionRecordsThatField() throws Exception {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "first"));
        long before = a.lastScribeId();

        sneak(card, "title", "changed unseen");
        card.label("x");                   // inside a method of the card
        card.labels().add("y");            // outside any method
        card.votes().put("ann", 2);

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly(
                "{\"labels\":[\"x\"]}", "{\"labels\":[\"x\",\"y\"]}", "{\"votes\":{\"ann\":2}}");
    }

    @Test
    void fieldsWhoseContentsChangeWithoutAWriteAreDiffedOnEveryUpdate() {
        Scriber a = peer("a", Sheet.class);
        var sheet = a.call(() -> new Sheet("s1", "plan"));
        long before = a.lastScribeId();

        sheet.cells()[0] = 7;                        // an array, in place
        sheet.style().setColor("red");               // a nested object that is not synced
        sheet.rename("plan b");
        var old = new Sheet.Style();
        sheet.history().add(old);                    // a list of mutable objects: reported, and diffed again later
        old.setColor("blue");
        sheet.rename("plan c");

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly(
                "{\"name\":\"plan b\",\"cells\":[7,0],\"style\":{\"color\":\"red\"}}",
                "{\"history\":[{\"color\":\"black\"}]}",
                "{\"name\":\"plan c\",\"history\":[{\"color\":\"blue\"}]}");
    }

    @Test
    void aMethodChangingAFieldAndACollectionRecordsOneUpdate() {
        Scriber a = peer("a", Sheet.class);
        var sheet = a.call(() -> new Sheet("s1", "plan"));
        long before = a.lastScribeId();

        sheet.retitle("plan b", "q3");

        assertThat(after(a, before)).extracting(Capture::updated)
                .containsExactly("{\"name\":\"plan b\",\"tags\":[\"q3\"]}");
        assertThat(a.save(sheet)).isEmpty();
    }

    @Test
    void aWriteNotRecordedIsDiffedWithTheNextRecordedUpdate() throws Exception {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "first"));
        long before = a.lastScribeId();

        a.withoutRecording(() -> card.setTitle("quiet"));
        sneak(card, "due", java.time.LocalDate.of(2026, 1, 2));   // unseen, but the next update diffs every field
        card.setPoints(1);
        sneak(card, "title", "unseen again");
        card.setPoints(2);                                          // diffs the written field only again

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly(
                "{\"title\":\"quiet\",\"points\":1,\"due\":\"2026-01-02\"}", "{\"points\":2}");
    }
}
