package io.scribe.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.ObjectState;

/**
 * Coverage-guided fuzzing of the JSON codec: any bytes either parse or are refused with a 400 (never another
 * exception), and whatever parses, as a message, a scribe or an object state, comes back equal after being written
 * and read again, so what one peer stores or relays the next one reads.
 */
class JsonFuzzTest {

    @FuzzTest(maxDuration = "2s")
    void anyBytesParseOrAreRefusedAndWhatParsesRoundTrips(byte[] input) {
        JsonNode node;
        try {
            node = Json.parse(input, 0, input.length);
        } catch (ScribeException e) {
            assertThat(e.code()).isEqualTo(ScribeException.BAD_REQUEST);
            return;
        }
        assertThat(reparse(node)).isEqualTo(node);
        try {
            Scribe scribe = Json.scribe(node);
            assertThat(Json.scribe(reparse(Json.toJson(scribe)))).isEqualTo(scribe);
        } catch (ScribeException e) {
            assertThat(e.code()).isEqualTo(ScribeException.BAD_REQUEST);
        }
        try {
            ObjectState state = Json.objectState(node);
            assertThat(Json.objectState(reparse(Json.toJson(state)))).isEqualTo(state);
        } catch (ScribeException e) {
            assertThat(e.code()).isEqualTo(ScribeException.BAD_REQUEST);
        }
    }

    private static JsonNode reparse(JsonNode node) {
        byte[] bytes = Json.bytes(node);
        return Json.parse(bytes, 0, bytes.length);
    }
}
