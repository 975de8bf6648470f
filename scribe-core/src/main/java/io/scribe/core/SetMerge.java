package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Stamp;
import java.util.Collection;

/**
 * Add-wins sets (see {@link Policy#withSetMerge(String...)}): a collection of strings is held as the JSON object
 * {@code {element: true}}, each element with its own stamp, and these rules decide between two writes of one element.
 */
final class SetMerge {

    private SetMerge() {}

    /**
     * Whether an incoming write of one element replaces the current one. The rule: a removal covers every add of the
     * element that is not newer than the newest add the remover had seen (the removal's base); the element is in the
     * set when its newest add is newer than every removal's base. So each element needs one stamp: while present,
     * that of its newest add; while absent, that of the removal with the newest base. Taking maxima, the result does
     * not depend on the order writes arrive in, and every peer ends with the same set.
     *
     * @param present whether the element is in the set now
     * @param adds whether the incoming write adds the element (else it removes it)
     */
    static boolean replaces(Stamp current, boolean present, Stamp incoming, boolean adds) {
        if (adds && present) {
            return incoming.compareTo(current) > 0;
        }
        if (adds) {
            // An add the remover had not seen (newer than what it saw) brings the element back.
            return incoming.clock() > current.base();
        }
        if (present) {
            // A removal takes away only what its remover had seen.
            return incoming.base() >= current.clock();
        }
        return incoming.base() > current.base()
                || (incoming.base() == current.base() && incoming.compareTo(current) > 0);
    }

    /**
     * The collection as {@code {element: true}}, its elements in string order (the order of a list is not synced:
     * every peer holds the same elements in the same order); null stays null.
     */
    static JsonNode object(String field, Object value) {
        if (value == null) {
            return Json.NODES.nullNode();
        }
        ObjectNode node = Json.object();
        for (Object element : new java.util.TreeSet<Object>((Collection<?>) value)) {
            if (!(element instanceof String text)) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "field " + field
                        + " merges as a set of strings and holds " + (element == null ? "null" : element.getClass()
                        .getName()));
            }
            node.put(text, true);
        }
        return node;
    }

    /** The elements of {@code {element: true}} as a JSON array in string order, for the field's collection type. */
    static ArrayNode elements(JsonNode object) {
        java.util.TreeSet<String> sorted = new java.util.TreeSet<>();
        object.fields().forEachRemaining(e -> {
            if (!e.getValue().isNull()) {
                sorted.add(e.getKey());
            }
        });
        ArrayNode array = Json.NODES.arrayNode();
        sorted.forEach(array::add);
        return array;
    }
}
