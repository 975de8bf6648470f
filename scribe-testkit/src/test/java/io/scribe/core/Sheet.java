package io.scribe.core;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** A plain (not enhanced) synced class with a JSON object field, for key-by-key merge tests. */
final class Sheet {
    String id;
    String title;
    ObjectNode cells = JsonNodeFactory.instance.objectNode();

    Sheet() {}

    Sheet(String id, String title) {
        this.id = id;
        this.title = title;
    }
}
