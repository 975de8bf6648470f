package io.scribe.store.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ObjectState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check} refuses, before anything is played, the scribes a commit of this store could not hold. */
class FileStoreCheckTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Scribe create(String title) {
        ObjectNode data = JSON.createObjectNode().put("id", "t").put("title", title);
        return new Scribe(null, "Task", Scribe.Type.CREATE, data, "p", 1, Map.of());
    }

    @Test
    void aScribeTooLargeForOneCommitIsRefusedWith413AndOneThatFitsIsAccepted() {
        try (FileStore store = FileStore.open(dir)) {
            Scribe big = create("x".repeat(3 * 1024 * 1024));
            long size = big.data().toString().length();
            assertThatThrownBy(() -> store.check(big, size))
                    .isInstanceOfSatisfying(ScribeException.class, e -> assertThat(e.code()).isEqualTo(413));
            // What check refuses would indeed fail to commit, with the object's state beside it.
            ObjectState state = new ObjectState("Task", "t", (ObjectNode) big.data(), Map.of(), null);
            assertThatThrownBy(() -> store.commit(new Commit(List.of(big), List.of(state), Map.of())))
                    .isInstanceOf(ScribeException.class);

            Scribe fits = create("x".repeat(1024 * 1024));
            store.check(fits, fits.data().toString().length());
            ObjectState fitting = new ObjectState("Task", "t", (ObjectNode) fits.data(), Map.of(), null);
            assertThat(store.commit(new Commit(List.of(fits), List.of(fitting), Map.of()))).hasSize(1);
        }
    }
}
