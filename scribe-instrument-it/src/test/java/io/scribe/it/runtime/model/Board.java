package io.scribe.it.runtime.model;

import io.scribe.annotations.Synced;

/** Package-private fields written directly by {@link BoardEditor}, another class. */
@Synced
public class Board {
    String id;
    String name;
    int cardCount;

    Board() {}

    public Board(String id, String name) {
        this.id = id;
        this.name = name;
    }

    public String id() { return id; }
    public String name() { return name; }
    public int cardCount() { return cardCount; }

    /** Constructs a card while this board's method runs: the card belongs to the board's peer. */
    public Card addCard(String title) {
        cardCount++;
        return new Card(title);
    }
}
