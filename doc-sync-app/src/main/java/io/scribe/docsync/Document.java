package io.scribe.docsync;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One synced JSON document: {@code {id, owner, title, content, version, revision, sharedWith}}. Its {@code content}
 * merges key by key (Scribe's {@code Policy.withKeyMerge}): an edit travels as a patch of the top-level keys it
 * changed, and concurrent edits of different keys both survive. {@code version} and {@code revision} are written by
 * the server only: the version counts the changes the server accepted, the revision names the last of them
 * ({@code clientId:clock}).
 *
 * <p>Not thread-safe: read it on the thread that received it, change it only through {@code DocClient}.
 */
public final class Document {

    public static final String KLASS = "Document";

    String id;
    String owner;
    String title;
    ObjectNode content = JsonNodeFactory.instance.objectNode();
    long version;
    String revision;
    List<String> sharedWith = new ArrayList<>();

    Document() {}

    /** A new document of {@code owner}; the id is assigned when it is created. */
    public Document(String owner, String title, ObjectNode content) {
        this.owner = owner;
        this.title = title;
        this.content = content == null ? JsonNodeFactory.instance.objectNode() : content;
    }

    public String id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    public String title() {
        return title;
    }

    /** The content (live: copy it before keeping it). */
    public ObjectNode content() {
        return content;
    }

    public long version() {
        return version;
    }

    public String revision() {
        return revision;
    }

    public List<String> sharedWith() {
        return List.copyOf(sharedWith);
    }

    /** Whether the document is shared with {@code email}; no copy of the list (asked for every relayed change). */
    public boolean isSharedWith(String email) {
        return sharedWith.contains(email);
    }

    /** The document as the event log and the documents table hold it. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("id", id).put("owner", owner).put("title", title);
        n.set("content", content.deepCopy());
        n.put("version", version);
        n.put("revision", revision);
        n.set("sharedWith", JsonNodeFactory.instance.arrayNode().addAll(
                sharedWith.stream().map(JsonNodeFactory.instance::textNode).map(JsonNode.class::cast).toList()));
        return n;
    }

    /** Internal: sets the fields only the server writes. */
    public static void stamp(Document d, long version, String revision) {
        d.version = version;
        d.revision = revision;
    }

    /** Internal: the mutable content and title, for the client's edit path. */
    public static void edit(Document d, String title, ObjectNode content, List<String> sharedWith) {
        if (title != null) {
            d.title = title;
        }
        if (content != null) {
            d.content = content;
        }
        if (sharedWith != null) {
            d.sharedWith = new ArrayList<>(sharedWith);
        }
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
