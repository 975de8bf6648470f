package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import io.scribe.core.spi.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Several scribes of one object played in one step (a catch-up page): each builds on the state the previous one
 * staged, which the step changes in place; what was committed before, what a refused scribe would have changed, and
 * what conflict listeners and follow-up hooks are shown must be as if every scribe had copied the state.
 */
class OneStepPlayTest {

    private static final long T0 = (System.currentTimeMillis() - 60_000) << 16;
    private static final Key N1 = new Key("Note", "n1");

    private final List<Conflict> conflicts = new ArrayList<>();
    private final List<Scriber> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(Scriber::close);
    }

    private Scriber peer(Policy<Note> policy) {
        Scriber p = Scriber.builder().clientId("peer").store(Store.inMemory()).register(Note.class, policy)
                .onConflict(conflicts::add).build();
        open.add(p);
        return p;
    }

    private static Scribe create(String origin, long clock, String text) {
        ObjectNode data = Peers.JSON.createObjectNode().put("id", "n1").put("text", text).put("owner", "o");
        return new Scribe(null, "Note", Scribe.Type.CREATE, data, origin, clock, Map.of());
    }

    private static Scribe update(String origin, long clock, String field, JsonNode value, long base) {
        ObjectNode values = Peers.JSON.createObjectNode().set(field, value);
        return new Scribe(null, "Note", Scribe.Type.UPDATE, Peers.JSON.createArrayNode().add("n1").add(values), origin,
                clock, Map.of(field, base));
    }

    private static Scribe update(String origin, long clock, String field, String value, long base) {
        return update(origin, clock, field, Peers.JSON.getNodeFactory().textNode(value), base);
    }

    /** Plays {@code scribes} in one step, each refusal kept (the step goes on, as a catch-up page does). */
    private static List<ScribeException> playInOneStep(Scriber p, Scribe... scribes) {
        List<ScribeException> refused = new ArrayList<>();
        p.lock.lock();
        try {
            Txn tx = new Txn();
            for (Scribe s : scribes) {
                try {
                    p.player.play(s, null, null, tx);
                } catch (ScribeException e) {
                    refused.add(e);
                }
            }
            p.commit(tx);
        } finally {
            p.lock.unlock();
        }
        return refused;
    }

    private static String text(ObjectState state) {
        return state.fields().get("text").asText();
    }

    @Test
    void laterScribesOfAnObjectInOneStepBuildOnTheFirstAndLeaveTheCommittedStateAsItWas() {
        Scriber p = peer(Policy.defaults());
        playInOneStep(p, create("r1", T0 + 1, "first"));
        ObjectState committed = p.live.state(N1);
        String committedFields = committed.fields().toString();
        Map<String, Stamp> committedStamps = Map.copyOf(committed.stamps());

        p.lock.lock();
        try {
            Txn tx = new Txn();
            p.player.play(update("r1", T0 + 2, "text", "second", T0 + 1), null, null, tx);
            p.player.play(update("r2", T0 + 3, "owner", "r2", T0 + 1), null, null, tx);
            p.player.play(update("r1", T0 + 4, "text", "third", T0 + 2), null, null, tx);
            // Older than what the step staged: refused by last-writer-wins, nothing changes.
            assertThat(p.player.play(update("r3", T0 + 1, "owner", "stale", 0), null, null, tx))
                    .isEqualTo(Player.Played.NOOP);
            ObjectState staged = tx.states.get(N1);
            assertThat(text(staged)).isEqualTo("third");
            assertThat(staged.fields().get("owner").asText()).isEqualTo("r2");
            // Nothing of the step reached the state held and stored before it.
            assertThat(p.live.state(N1)).isSameAs(committed);
            assertThat(committed.fields().toString()).isEqualTo(committedFields);
            assertThat(committed.stamps()).isEqualTo(committedStamps);
            assertThat(p.store().object("Note", "n1").orElseThrow().fields().toString())
                    .isEqualTo(committedFields);
            p.commit(tx);
        } finally {
            p.lock.unlock();
        }
        ObjectState held = p.live.state(N1);
        assertThat(text(held)).isEqualTo("third");
        assertThat(held.stamps().get("text")).isEqualTo(new Stamp(T0 + 4, "r1", T0 + 2));
        assertThat(held.stamps().get("owner")).isEqualTo(new Stamp(T0 + 3, "r2", T0 + 1));
        assertThat(held.stamps().get("id")).isEqualTo(new Stamp(T0 + 1, "r1", 0));
        assertThat(held.stamps()).hasSize(3);
        Note note = p.find(Note.class, "n1").orElseThrow();
        assertThat(note.text).isEqualTo("third");
        assertThat(note.owner).isEqualTo("r2");
        // Once committed, the stamps are a held state's: immutable, and the next step copies them again.
        assertThatThrownBy(() -> held.stamps().put("text", new Stamp(1, "x")))
                .isInstanceOf(UnsupportedOperationException.class);
        String heldFields = held.fields().toString();
        Map<String, Stamp> heldStamps = Map.copyOf(held.stamps());
        p.lock.lock();
        try {
            Txn tx = new Txn();
            p.player.play(update("r1", T0 + 5, "text", "fourth", T0 + 4), null, null, tx);
            p.player.play(update("r1", T0 + 6, "text", "fifth", T0 + 5), null, null, tx);
            assertThat(text(tx.states.get(N1))).isEqualTo("fifth");
            assertThat(held.fields().toString()).isEqualTo(heldFields);
            assertThat(held.stamps()).isEqualTo(heldStamps);
            // A step that is not committed leaves nothing behind.
        } finally {
            p.lock.unlock();
        }
        assertThat(p.live.state(N1)).isSameAs(held);
        assertThat(held.fields().toString()).isEqualTo(heldFields);
        assertThat(held.stamps()).isEqualTo(heldStamps);
        assertThat(p.find(Note.class, "n1").orElseThrow().text).isEqualTo("third");
    }

    @Test
    void aRefusedScribeAfterAnotherOfTheSameObjectInOneStepChangesNothingOfWhatThatOneStaged() {
        Scriber p = peer(Policy.defaults());
        playInOneStep(p, create("r1", T0 + 1, "first"));
        ObjectNode misfit = Peers.JSON.createObjectNode().put("text", "not kept");
        misfit.set("owner", Peers.JSON.createObjectNode().put("not", "a string"));
        List<ScribeException> refused = playInOneStep(p,
                update("r1", T0 + 2, "text", "second", T0 + 1),
                // Refused as a whole: its text must not reach the state the first update staged.
                new Scribe(null, "Note", Scribe.Type.UPDATE, Peers.JSON.createArrayNode().add("n1").add(misfit), "r2",
                        T0 + 3, Map.of("text", T0 + 2, "owner", T0 + 1)),
                update("r2", T0 + 4, "owner", "r2", T0 + 1));
        assertThat(refused).singleElement()
                .satisfies(e -> assertThat(e.code()).isEqualTo(ScribeException.BAD_REQUEST));
        ObjectState held = p.live.state(N1);
        assertThat(text(held)).isEqualTo("second");
        assertThat(held.fields().get("owner").asText()).isEqualTo("r2");
        assertThat(held.stamps().get("text")).isEqualTo(new Stamp(T0 + 2, "r1", T0 + 1));
        Note note = p.find(Note.class, "n1").orElseThrow();
        assertThat(note.text).isEqualTo("second");
        assertThat(note.owner).isEqualTo("r2");
    }

    @Test
    void conflictsInOneStepShowTheValuesAsTheyWereWhenEachScribeWasPlayed() {
        Scriber p = peer(Policy.defaults());
        // This peer's own write, then concurrent writes of other peers in one step.
        Note mine = p.create(new Note("n1", "mine", "o"));
        Stamp own = p.live.state(N1).stamps().get("text");
        long t = own.clock();
        playInOneStep(p,
                // Made after seeing this peer's owner: no conflict.
                update("r1", t + 1, "owner", "r1", t),
                // Newer, made without seeing this peer's text: it wins, and this peer hears what it lost.
                update("r1", t + 2, "text", "theirs", 0),
                // Concurrent with r1's text and older: it loses to it.
                update("r2", t + 1, "text", "late", 0),
                // Made after seeing r1's text: no conflict, it replaces it.
                update("r3", t + 3, "text", "last", t + 2));
        assertThat(conflicts).hasSize(2);
        Conflict ours = conflicts.get(0);
        assertThat(ours.loser()).isEqualTo(p.guid);
        assertThat(ours.winner()).isEqualTo("r1");
        assertThat(ours.lost().toString()).isEqualTo("{\"text\":\"mine\"}");
        assertThat(ours.kept().toString()).isEqualTo("{\"text\":\"theirs\"}");
        Conflict theirs = conflicts.get(1);
        assertThat(theirs.loser()).isEqualTo("r2");
        assertThat(theirs.winner()).isEqualTo("r1");
        assertThat(theirs.lost().toString()).isEqualTo("{\"text\":\"late\"}");
        assertThat(theirs.kept().toString()).isEqualTo("{\"text\":\"theirs\"}");
        assertThat(theirs.object()).isSameAs(mine);
        assertThat(mine.text).isEqualTo("last");
        assertThat(mine.owner).isEqualTo("r1");
        assertThat(text(p.live.state(N1))).isEqualTo("last");
    }

    @Test
    void aFollowUpHookSeesEachScribesStateBeforeAndAfterItInOneStep() {
        List<String> seen = new ArrayList<>();
        Scriber p = peer(Policy.<Note>defaults().withFollowUp((before, after, write) -> {
            seen.add((before == null ? null : text(before)) + " -> " + (after == null ? null : text(after)));
            return null;
        }));
        playInOneStep(p, create("r1", T0 + 1, "first"),
                update("r1", T0 + 2, "text", "second", T0 + 1),
                update("r1", T0 + 3, "text", "third", T0 + 2));
        assertThat(seen).containsExactly("null -> first", "first -> second", "second -> third");
        assertThat(text(p.live.state(N1))).isEqualTo("third");
    }
}
