package io.scribe.docsync.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.flipkart.zjsonpatch.CompatibilityFlags;
import com.flipkart.zjsonpatch.DiffFlags;
import com.flipkart.zjsonpatch.JsonDiff;
import com.flipkart.zjsonpatch.JsonPatch;
import com.flipkart.zjsonpatch.JsonPatchApplicationException;
import io.scribe.core.ScribeException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.EnumSet;

/**
 * JSON Patch (RFC 6902) between document versions, forward and reverse, on zjsonpatch. Patches use only
 * {@code add}, {@code remove} and {@code replace} (no {@code move}/{@code copy}), so each one reads on its own.
 * Stateless and thread-safe.
 */
public final class Patches {

    private static final EnumSet<DiffFlags> FLAGS = DiffFlags.dontNormalizeOpIntoMoveAndCopy();

    private Patches() {}

    /** A change between two versions: the patch that makes it and the patch that undoes it. */
    public record Pair(JsonNode forward, JsonNode reverse) {}

    /**
     * The patches between {@code before} and {@code after}. A create ({@code before} null) has the whole document as
     * its forward patch and no reverse; a delete ({@code after} null) has no forward and the whole document as its
     * reverse.
     */
    public static Pair between(JsonNode before, JsonNode after) {
        if (before == null && after == null) {
            throw new IllegalArgumentException("a change needs a before or an after");
        }
        if (before == null) {
            return new Pair(after.deepCopy(), null);
        }
        if (after == null) {
            return new Pair(null, before.deepCopy());
        }
        return new Pair(diff(before, after), diff(after, before));
    }

    /** The RFC 6902 patch that turns {@code from} into {@code to}. */
    public static JsonNode diff(JsonNode from, JsonNode to) {
        return JsonDiff.asJson(from, to, FLAGS);
    }

    /**
     * Applies an RFC 6902 patch to a copy of {@code document}.
     *
     * @throws ScribeException with code 400 when the patch is malformed or does not apply
     */
    public static JsonNode apply(JsonNode patch, JsonNode document) {
        if (patch == null || !patch.isArray()) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "a JSON Patch is an array of operations");
        }
        JsonNode result = document;
        try {
            for (JsonNode op : patch) {
                String name = op.path("op").asText();
                // RFC 6902 requires the target of remove and replace to exist; zjsonpatch lets a missing object
                // member pass, so it is checked here, one operation at a time.
                if ((name.equals("remove") || name.equals("replace")) && op.path("path").isTextual()
                        && result.at(com.fasterxml.jackson.core.JsonPointer.compile(op.get("path").asText()))
                                .isMissingNode()) {
                    throw new ScribeException(ScribeException.BAD_REQUEST,
                            "patch does not apply: " + name + " of missing " + op.get("path").asText());
                }
                result = JsonPatch.apply(JsonNodeFactory.instance.arrayNode().add(op), result,
                        EnumSet.noneOf(CompatibilityFlags.class));
            }
            return result;
        } catch (JsonPatchApplicationException | IllegalArgumentException e) {
            throw new ScribeException(ScribeException.BAD_REQUEST, "patch does not apply: " + e.getMessage(), e);
        }
    }
}
