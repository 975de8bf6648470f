package io.scribe.it.runtime;

import static io.scribe.it.runtime.Capture.after;
import static io.scribe.it.runtime.Capture.log;
import static io.scribe.it.runtime.Capture.peer;
import static io.scribe.it.runtime.Capture.updated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.it.runtime.model.Board;
import io.scribe.it.runtime.model.BoardEditor;
import io.scribe.it.runtime.model.Bug;
import io.scribe.it.runtime.model.Card;
import io.scribe.it.runtime.model.Holder;
import io.scribe.it.runtime.model.Status;
import io.scribe.core.Change;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.instrument.ScribeInstrumentation;
import io.scribe.testkit.Network;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Classes enhanced at run time ({@link ScribeInstrumentation#install(String...)}) record every change without a
 * call to Scribe in their code: the tests look at the scribes in the store and at what a second peer ends with.
 */
class EnhancedCaptureTest {

    @Test
    void theModelClassesAreEnhanced() {
        assertThat(ScribeInstrumentation.isEnhanced(Card.class)).isTrue();
        assertThat(ScribeInstrumentation.isEnhanced(Bug.class)).isTrue();
        assertThat(ScribeInstrumentation.isEnhanced(Board.class)).isTrue();
    }

    @Test
    void theOutermostConstructorRecordsOneCreateWithEveryField() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("write the docs"));   // delegates to Card(id, title)

        List<Scribe> log = log(a);
        assertThat(log).hasSize(1);
        Scribe create = log.get(0);
        assertThat(create.type()).isEqualTo(Scribe.Type.CREATE);
        assertThat(create.data().get("id").asText()).isEqualTo(card.id()).isNotBlank();
        assertThat(create.data().get("title").asText()).isEqualTo("write the docs");
        assertThat(create.data().has("labels")).isTrue();
        assertThat(create.data().has("views")).isFalse();
        assertThat(create.data().has("draft")).isFalse();
        assertThat(a.tracks(card)).isTrue();
        // Creating it again by hand is a no-op: it was created by its constructor.
        assertThat(a.create(card)).isSameAs(card);
        assertThat(log(a)).hasSize(1);
    }

    @Test
    void aSetterRecordsAnUpdateOfThatFieldOnlyAndTheSameValueRecordsNothing() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "first"));
        long before = a.lastScribeId();

        card.setTitle("second");
        card.setTitle("second");
        card.setPoints(0);              // already 0
        card.setDraft("not synced");
        card.view();                     // transient

        List<Scribe> recorded = after(a, before);
        assertThat(recorded).hasSize(1);
        assertThat(updated(recorded.get(0))).isEqualTo("{\"title\":\"second\"}");
        assertThat(recorded.get(0).data().get(0).asText()).isEqualTo("c1");
        assertThat(a.save(card)).isEmpty();
    }

    @Test
    void aBusinessMethodRecordsOneUpdateWithEveryFieldItChanged() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "t"));
        card.setPoints(5);
        long before = a.lastScribeId();

        card.finish();
        card.estimate(90_000_000_000L, 2.5);   // long and double fields
        card.setDue(LocalDate.of(2026, 3, 1));

        List<Scribe> recorded = after(a, before);
        assertThat(recorded).extracting(Capture::updated).containsExactly(
                "{\"points\":0,\"done\":true,\"status\":\"DONE\"}",
                "{\"estimateMillis\":90000000000,\"weight\":2.5}",
                "{\"due\":\"2026-03-01\"}");
    }

    @Test
    void aMethodThatThrowsStillRecordsWhatItChanged() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "t"));
        long before = a.lastScribeId();

        assertThatThrownBy(() -> card.renameThenFail("renamed")).isInstanceOf(IllegalArgumentException.class);

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly("{\"title\":\"renamed\"}");
        card.setPoints(2);   // the batch was closed: the next write records on its own
        assertThat(after(a, before)).hasSize(2);
    }

    @Test
    void writesFromAnotherClassAreRecorded() {
        Scriber a = peer("a", Board.class, Card.class);
        var board = a.call(() -> new Board("b1", "Sprint"));
        long before = a.lastScribeId();

        BoardEditor.rename(board, "Sprint 2");
        BoardEditor.recount(board, 4);

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly(
                "{\"name\":\"Sprint 2\"}",
                "{\"cardCount\":4}",
                "{\"name\":\"Sprint 2 (4)\"}");
    }

    @Test
    void anObjectConstructedByABoundObjectsMethodBelongsToTheSamePeer() {
        Scriber a = peer("a", Board.class, Card.class);
        var board = a.call(() -> new Board("b1", "Sprint"));

        var card = board.addCard("made by the board");   // no scope open here

        assertThat(a.tracks(card)).isTrue();
        List<Scribe> log = log(a);
        assertThat(log).extracting(Scribe::type)
                .containsExactly(Scribe.Type.CREATE, Scribe.Type.CREATE, Scribe.Type.UPDATE);
        assertThat(updated(log.get(2))).isEqualTo("{\"cardCount\":1}");
    }

    @Test
    void aSubclassConstructorsWritesToInheritedFieldsAreInItsCreate() {
        Scriber a = peer("a", Bug.class);
        var bug = a.call(() -> new Bug("crash", "low"));

        List<Scribe> log = log(a);
        assertThat(log).hasSize(1);
        assertThat(log.get(0).klass()).isEqualTo("Bug");
        assertThat(log.get(0).data().get("points").asInt()).isEqualTo(2);
        assertThat(log.get(0).data().get("labels").toString()).isEqualTo("[\"bug\"]");
        assertThat(log.get(0).data().get("severity").asText()).isEqualTo("low");

        bug.escalate();
        assertThat(updated(log(a).get(1))).isEqualTo("{\"points\":13,\"status\":\"DOING\",\"severity\":\"high\"}");
    }

    @Test
    void anObjectMadeOutsideAnyScriberIsPlainUntilCreatedByHand() {
        Scriber a = peer("a", Card.class);
        var card = new Card("c1", "plain");
        card.setTitle("still plain");
        card.label("x");
        assertThat(log(a)).isEmpty();
        assertThat(a.tracks(card)).isFalse();

        a.create(card);
        card.setTitle("now recorded");

        assertThat(log(a)).extracting(Scribe::type).containsExactly(Scribe.Type.CREATE, Scribe.Type.UPDATE);
        assertThat(log(a).get(0).data().get("title").asText()).isEqualTo("still plain");
        assertThat(updated(log(a).get(1))).isEqualTo("{\"title\":\"now recorded\"}");
    }

    @Test
    void aDestroyedObjectRecordsNothingMore() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "t"));
        a.destroy(card);
        long before = a.lastScribeId();

        card.setTitle("after destroy");
        card.label("late");

        assertThat(after(a, before)).isEmpty();
    }

    @Test
    void changesInPlaceToListsSetsAndMapsRecordAnUpdate() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "t"));
        long before = a.lastScribeId();

        card.label("red");                       // inside a method: list add
        card.labels().add("green");              // outside: through the getter
        card.labels().remove("red");
        card.watch("ann");
        card.watchers().add("ann");              // already there: no change
        card.vote("bob");
        card.votes().put("cat", 3);
        card.votes().entrySet().iterator().next().setValue(7);
        var it = card.labels().iterator();
        it.next();
        it.remove();                             // iterator removal
        card.labels().addAll(List.of("a", "b", "c"));
        card.labels().subList(0, 2).clear();     // view
        card.votes().keySet().remove("cat");     // map view
        card.votes().clear();

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly(
                "{\"labels\":[\"red\"]}",
                "{\"labels\":[\"red\",\"green\"]}",
                "{\"labels\":[\"green\"]}",
                "{\"watchers\":[\"ann\"]}",
                "{\"votes\":{\"bob\":1}}",
                "{\"votes\":{\"bob\":1,\"cat\":3}}",
                "{\"votes\":{\"bob\":7,\"cat\":3}}",
                "{\"labels\":[]}",
                "{\"labels\":[\"a\",\"b\",\"c\"]}",
                "{\"labels\":[\"c\"]}",
                "{\"votes\":{\"bob\":7}}",
                "{\"votes\":{}}");
    }

    @Test
    void anAssignedCollectionIsWrappedAndRecords() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "t"));
        long before = a.lastScribeId();

        List<String> mine = new ArrayList<>(List.of("x"));
        card.setLabels(mine);
        card.labels().add("y");

        assertThat(after(a, before)).extracting(Capture::updated)
                .containsExactly("{\"labels\":[\"x\"]}", "{\"labels\":[\"x\",\"y\"]}");
    }

    @Test
    void aValueThatCannotBeWrittenAsJsonIsRefusedNamingTheField() {
        Scriber a = peer("a", Holder.class);
        var holder = a.call(() -> new Holder("h1"));

        assertThatThrownBy(() -> holder.hold(new Object()))
                .isInstanceOf(ScribeException.class)
                .hasMessageContaining("Holder.payload");
    }

    @Test
    void changesReachASecondPeerAndItsPlayRecordsNothingLocallyButRunsListeners() {
        Network net = new Network(new Random(7));
        Scriber a = peer("a", Card.class, Bug.class);
        Scriber b = peer("b", Card.class, Bug.class);
        net.link(a, b);
        net.settle();
        List<Change<Card>> seenOnB = new ArrayList<>();
        b.listen(Card.class, seenOnB::add);

        var card = a.call(() -> new Card("c1", "from a"));
        card.finish();
        card.label("shipped");
        card.vote("ann");
        var bug = a.call(() -> new Bug("crash", "low"));
        bug.escalate();
        net.settle();

        var onB = b.find(Card.class, "c1").orElseThrow();
        assertThat(onB.toString()).isEqualTo(card.toString());
        assertThat(b.find(Bug.class, bug.id()).orElseThrow().toString()).isEqualTo(bug.toString());
        assertThat(log(b)).allSatisfy(s -> assertThat(s.origin()).isEqualTo("a"));
        assertThat(seenOnB).extracting(Change::local).containsOnly(false);
        assertThat(seenOnB).extracting(Change::type).contains(Scribe.Type.CREATE, Scribe.Type.UPDATE);

        // The object b received is bound to b: its own changes record on b and reach a.
        onB.setTitle("edited on b");
        onB.labels().add("from b");
        net.settle();
        assertThat(log(b)).filteredOn(s -> s.origin().equals("b")).hasSize(2);
        assertThat(card.title()).isEqualTo("edited on b");
        assertThat(card.labels()).containsExactly("shipped", "from b");
        // What a played was not recorded again on a.
        assertThat(log(a)).filteredOn(s -> s.origin().equals("a")).hasSize(6);

        b.destroy(onB);
        net.settle();
        assertThat(a.find(Card.class, "c1")).isEmpty();
    }

    @Test
    void aHubRelaysEnhancedChangesToItsOtherClients() {
        Network net = new Network(new Random(3));
        Scriber hub = peer("server", Card.class);
        Scriber a = peer("a", Card.class);
        Scriber b = peer("b", Card.class);
        net.link(a, hub);
        net.link(b, hub);
        net.settle();

        var card = a.call(() -> new Card("c1", "t"));
        card.setPoints(3);
        net.settle();

        assertThat(b.find(Card.class, "c1").orElseThrow().points()).isEqualTo(3);
        assertThat(log(hub)).extracting(Scribe::origin).containsOnly("a");
    }

    @Test
    void recordingSwitchedOffLeavesTheChangePendingLikeSave() {
        Scriber a = peer("a", Card.class);
        var card = a.call(() -> new Card("c1", "t"));
        long before = a.lastScribeId();

        a.withoutRecording(() -> card.setTitle("quiet"));
        assertThat(after(a, before)).isEmpty();
        card.setPoints(1);

        assertThat(after(a, before)).extracting(Capture::updated).containsExactly("{\"title\":\"quiet\",\"points\":1}");
    }

    @Test
    void scopesNestAndMustBeClosedInOrderOnTheirThread() {
        Scriber a = peer("a", Card.class);
        Scriber b = peer("b", Card.class);
        try (var outer = a.open()) {
            var onA = new Card("x1", "on a");
            try (var inner = b.open()) {
                var onB = new Card("x2", "on b");
                assertThat(b.tracks(onB)).isTrue();
            }
            assertThat(a.tracks(onA)).isTrue();
            var inner = b.open();
            assertThatThrownBy(outer::close).isInstanceOf(IllegalStateException.class);
            inner.close();
        }
        assertThat(log(a)).hasSize(1);
        assertThat(log(b)).hasSize(1);
        var plain = new Card("x3", "no scope");
        assertThat(a.tracks(plain) || b.tracks(plain)).isFalse();
    }
}
