package com.example.notes;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.transport.netty.ScribeClient;
import io.scribe.transport.netty.ScribeServer;
import java.time.Duration;
import java.util.Optional;

/** Two peers in one JVM, a hub and a laptop over TCP on 127.0.0.1: the laptop's note reaches the hub. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        try (Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Note.class).build();
             ScribeServer server = ScribeServer.builder(hub).bind("127.0.0.1").tcp(0).start();
             // The client builds the laptop's Scriber and closes it with itself.
             ScribeClient client = ScribeClient.tcp(Scriber.builder().clientId("laptop").store(Store.inMemory())
                     .register(Note.class), "127.0.0.1", server.tcpAddress().getPort()).start()) {
            client.awaitSession(Duration.ofSeconds(30));
            Scriber laptop = client.scriber();
            Note note = laptop.call(() -> new Note("written on the laptop"));
            note.edit("edited on the laptop");
            Note there = await(hub, note.id(), "edited on the laptop");
            System.out.println("hub: " + there.text());
            System.out.println("modules: " + Note.class.getModule().getName() + ", "
                    + Scriber.class.getModule().getName() + ", " + ScribeClient.class.getModule().getName());
        }
    }

    private static Note await(Scriber peer, String id, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Note> note = peer.find(Note.class, id).filter(n -> text.equals(n.text()));
            if (note.isPresent()) {
                return note.get();
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the hub did not receive \"" + text + "\" in 30 s");
    }
}
