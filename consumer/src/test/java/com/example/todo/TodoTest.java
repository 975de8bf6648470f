package com.example.todo;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an application sees once it depends on Scribe through the BOM. */
class TodoTest {

    @TempDir
    Path tmp;

    @Test
    void buildTimeEnhancedObjectsReplicateWithoutExplicitCalls() {
        try (Scriber laptop = Scriber.builder().clientId("laptop").store(Store.inMemory()).register(Todo.class).build();
             Scriber phone = Scriber.builder().clientId("phone").store(Store.inMemory()).register(Todo.class).build()) {
            Network network = new Network(new Random(7));
            network.link(laptop, phone);
            network.settle();

            Todo todo = laptop.call(() -> new Todo("write the docs"));
            laptop.run(() -> {
                todo.complete();
                todo.tag("docs");
            });
            network.settle();

            Todo there = phone.find(Todo.class, todo.id()).orElseThrow();
            assertThat(there.title()).isEqualTo("write the docs");
            assertThat(there.done()).isTrue();
            assertThat(there.tags()).containsExactly("docs");
        }
    }

    @Test
    void theFileStoreKeepsObjectsAcrossARestartAndIsClosedByItsScriber() {
        String url = "file:" + tmp.resolve("data");
        String id;
        try (Scriber peer = Scriber.builder().clientId("laptop").store(url).register(Todo.class).build()) {
            id = peer.call(() -> new Todo("survive a restart")).id();
        }
        try (Scriber again = Scriber.builder().clientId("laptop").store(url).register(Todo.class).build()) {
            assertThat(again.find(Todo.class, id)).hasValueSatisfying(t -> assertThat(t.title())
                    .isEqualTo("survive a restart"));
        }
    }

    @Test
    void nothingEarlyAccessOrSnapshotIsResolvedBesidesScribeItself() {
        Pattern unreleased = Pattern.compile(".*-\\d+(\\.\\d+)*(ea\\d*|-SNAPSHOT)\\.jar");
        List<String> jars = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        assertThat(jars).anySatisfy(j -> assertThat(j).contains("chronicle-map"));
        assertThat(jars).filteredOn(j -> unreleased.matcher(j).matches())
                .allSatisfy(j -> assertThat(Path.of(j).getFileName().toString()).startsWith("scribe-"));
    }
}
