package com.example.todo;

import io.scribe.core.Scriber;

/** The app's entry point: adds a todo to the file store in args[0] and prints every todo's title. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        try (Scriber peer = Scriber.builder().clientId("cli").store("file:" + args[0]).register(Todo.class).build()) {
            Todo todo = peer.call(() -> new Todo(args[1]));
            peer.run(todo::complete);
            peer.all(Todo.class).stream().map(t -> t.title() + (t.done() ? " (done)" : "")).sorted()
                    .forEach(System.out::println);
        }
    }
}
