package io.scribe.it.runtime.model;

/** Not synced: writes the fields of a {@link Board} directly, from outside the class. */
public final class BoardEditor {
    private BoardEditor() {}

    public static void rename(Board board, String name) {
        board.name = name;
    }

    public static void recount(Board board, int count) {
        board.cardCount = count;
        board.name = board.name + " (" + count + ")";
    }
}
