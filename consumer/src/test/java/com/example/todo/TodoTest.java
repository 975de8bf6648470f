package com.example.todo;

import static org.assertj.core.api.Assertions.assertThat;

import io.scribe.core.Scriber;
import io.scribe.testkit.TestNetwork;
import io.scribe.testkit.junit.ScribeExtension;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** What an application sees once it depends on Scribe through the BOM. */
@ExtendWith(ScribeExtension.class)
class TodoTest {

    @TempDir
    Path tmp;

    @Test
    void buildTimeEnhancedObjectsReplicateWithoutExplicitCalls(TestNetwork net) {
        Scriber laptop = net.peer("laptop", Todo.class);
        Scriber phone = net.peer("phone", Todo.class);
        net.link(laptop, phone);

        Todo todo = laptop.call(() -> new Todo("write the docs"));
        laptop.run(() -> {
            todo.complete();
            todo.tag("docs");
        });
        net.assertConverged();

        Todo there = phone.find(Todo.class, todo.id()).orElseThrow();
        assertThat(there.title()).isEqualTo("write the docs");
        assertThat(there.done()).isTrue();
        assertThat(there.tags()).containsExactly("docs");
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
