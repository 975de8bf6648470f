package io.scribe.core.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Codec;
import io.scribe.core.spi.StoredScribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stored scribes sent on as they are: their outlines, and their bytes on the wire with the id put in front. */
class StoredScribesTest {

    private static final Scribe CREATE = new Scribe(null, "Task", Scribe.Type.CREATE,
            Json.parse("{\"id\":\"t-1\",\"title\":\"café ☃ \\uD834\\uDD1E\",\"tags\":[\"a\"],\"n\":5}"), "peer-a",
            7L << 16, Map.of());
    private static final Scribe UPDATE = new Scribe(null, "Task", Scribe.Type.UPDATE,
            Json.parse("[\"t-1\",{\"title\":\"x\",\"nested\":{\"deep\":[1,2,{\"k\":null}]}}]"), "peer-b", 9L << 16,
            Map.of("title", 7L << 16, "nested", 3L));
    private static final Scribe DESTROY = new Scribe(null, "Item", Scribe.Type.DESTROY, Json.parse("[42]"), null, 0,
            Map.of());

    private static StoredScribe stored(long id, Scribe s) {
        return new StoredScribe(id, Codec.json().encode(s.withId(null)));
    }

    private static StoredScribe stored(long id, String json) {
        return new StoredScribe(id, json.getBytes(UTF_8));
    }

    /** The scribes a page made of {@code stored} carries, read back as a peer reads them. */
    private static List<Scribe> onTheWire(List<StoredScribe> stored) {
        List<Scribe> read = new ArrayList<>();
        for (StoredScribe s : stored) {
            byte[] wire = new byte[StoredScribes.wireLength(s)];
            assertThat(StoredScribes.writeWire(s, wire, 0)).isEqualTo(wire.length);
            read.add(Json.scribe(wire, 0, wire.length));
        }
        return read;
    }

    @Test
    void outlinesHoldWhatVisibilityReadsAndTheBytesGoOutAsTheScribes() {
        List<StoredScribe> stored = List.of(stored(1, CREATE), stored(2, UPDATE), stored(30, DESTROY));

        StoredScribes.Outlined outlined = StoredScribes.outlines(stored);

        assertThat(outlined.stored()).isSameAs(stored);
        List<Scribe> outlines = outlined.outlines();
        assertThat(outlines).extracting(Scribe::id).containsExactly("1", "2", "30");
        assertThat(outlines).extracting(Scribe::klass).containsExactly("Task", "Task", "Item");
        assertThat(outlines).extracting(Scribe::type)
                .containsExactly(Scribe.Type.CREATE, Scribe.Type.UPDATE, Scribe.Type.DESTROY);
        assertThat(outlines).extracting(Scribe::origin).containsExactly("peer-a", "peer-b", null);
        assertThat(outlines).extracting(Scribe::clock).containsExactly(7L << 16, 9L << 16, 0L);
        // A create's scalar members (its id among them), an update's and a destroy's first element.
        assertThat(outlines.get(0).data()).isEqualTo(Json.parse("{\"id\":\"t-1\",\"title\":\"café ☃ \\uD834\\uDD1E\","
                + "\"n\":5}"));
        assertThat(outlines.get(1).data()).isEqualTo(Json.parse("[\"t-1\"]"));
        assertThat(outlines.get(2).data()).isEqualTo(Json.parse("[42]"));

        assertThat(onTheWire(stored)).containsExactly(CREATE.withId("1"), UPDATE.withId("2"), DESTROY.withId("30"));
    }

    @Test
    void membersInAnyOrderAndSpacedAsJsonbPrintsThem() {
        StoredScribe spaced = stored(5, "{\"base\": {\"title\": 3}, \"data\": [\"t-1\", {\"title\": \"x\"}], "
                + "\"type\": \"update\", \"clock\": 9, \"klass\": \"Task\", \"origin\": \"g\"}");

        Scribe outline = StoredScribes.outlines(List.of(spaced)).outlines().get(0);

        assertThat(outline).isEqualTo(new Scribe("5", "Task", Scribe.Type.UPDATE, Json.parse("[\"t-1\"]"), "g", 9,
                Map.of()));
        assertThat(onTheWire(List.of(spaced))).containsExactly(new Scribe("5", "Task", Scribe.Type.UPDATE,
                Json.parse("[\"t-1\",{\"title\":\"x\"}]"), "g", 9, Map.of("title", 3L)));
    }

    @Test
    void aStoredIdIsNeverSentTwiceOrInsteadOfTheLogId() {
        StoredScribe withId = stored(8, "{\"id\":\"stale\",\"klass\":\"Task\",\"type\":\"destroy\",\"data\":[\"t-1\"]}");
        List<StoredScribe> stored = List.of(stored(7, UPDATE), withId);

        StoredScribes.Outlined outlined = StoredScribes.outlines(stored);

        // Decoded in full, and encoded again without the id.
        assertThat(outlined.outlines().get(1)).isEqualTo(new Scribe("8", "Task", Scribe.Type.DESTROY,
                Json.parse("[\"t-1\"]"), null, 0, Map.of()));
        assertThat(new String(outlined.stored().get(1).json(), UTF_8)).doesNotContain("stale");
        assertThat(onTheWire(outlined.stored())).extracting(Scribe::id).containsExactly("7", "8");
    }

    @Test
    void trailingBytesInOneStoredScribeDoNotShiftTheOthers() {
        StoredScribe twoValues = stored(1, "{\"klass\":\"A\",\"type\":\"destroy\",\"data\":[1]} "
                + "{\"klass\":\"B\",\"type\":\"destroy\",\"data\":[2]}");
        StoredScribe next = stored(2, DESTROY);

        List<Scribe> outlines = StoredScribes.outlines(List.of(twoValues, next)).outlines();

        assertThat(outlines).extracting(Scribe::id).containsExactly("1", "2");
        assertThat(outlines.get(1).klass()).isEqualTo("Item");
        assertThat(outlines.get(1).data()).isEqualTo(Json.parse("[42]"));
    }

    @Test
    void aStoredScribeThatIsNotOneFailsAsDecodingItDoes() {
        StoredScribe bad = stored(2, "{\"klass\":\"Task\",\"data\":[1]}");
        List<StoredScribe> stored = List.of(stored(1, CREATE), bad, stored(3, UPDATE));

        ScribeException expected = null;
        try {
            Codec.json().decodeScribe(bad.json());
        } catch (ScribeException e) {
            expected = e;
        }
        assertThat(expected).isNotNull();
        String message = expected.getMessage();
        int code = expected.code();
        assertThatThrownBy(() -> StoredScribes.outlines(stored)).isInstanceOfSatisfying(ScribeException.class, e -> {
            assertThat(e.getMessage()).isEqualTo(message);
            assertThat(e.code()).isEqualTo(code);
        });
        assertThatThrownBy(() -> StoredScribes.outlines(List.of(stored(1, "{\"klass\":"))))
                .isInstanceOfSatisfying(ScribeException.class, e -> assertThat(e.code()).isEqualTo(400));
    }

    @Test
    void theWireLengthCountsEveryDigitOfTheId() {
        for (long id : new long[] {0, 1, 9, 10, 99, 100, 12_345, 999_999_999_999L, Long.MAX_VALUE}) {
            StoredScribe s = stored(id, DESTROY);
            byte[] wire = new byte[StoredScribes.wireLength(s)];
            assertThat(StoredScribes.writeWire(s, wire, 0)).as("id %d", id).isEqualTo(wire.length);
            assertThat(Json.scribe(wire, 0, wire.length).id()).isEqualTo(Long.toString(id));
        }
    }

    @Test
    void aScalarOrEmptyObjectIsNotBytesAnIdCanBePutInto() {
        assertThat(StoredScribes.wireLength(stored(1, "{}"))).isEqualTo(-1);
        assertThat(StoredScribes.wireLength(stored(1, " [1]"))).isEqualTo(-1);
        JsonNode spaced = Json.parse(new String(onTheWireBytes(stored(12, " { \"klass\":\"K\",\"type\":\"destroy\","
                + "\"data\":[1]}")), UTF_8));
        assertThat(spaced.get("id").asText()).isEqualTo("12");
        assertThat(spaced.get("klass").asText()).isEqualTo("K");
    }

    private static byte[] onTheWireBytes(StoredScribe s) {
        byte[] wire = new byte[StoredScribes.wireLength(s)];
        StoredScribes.writeWire(s, wire, 0);
        return wire;
    }
}
