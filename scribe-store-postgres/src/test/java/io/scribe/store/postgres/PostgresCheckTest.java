package io.scribe.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Commit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code check} refuses, before anything is played, the values JSONB cannot keep. */
class PostgresCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String schema = PgTestSupport.newSchema();

    @AfterEach
    void dropSchema() throws Exception {
        PgTestSupport.dropSchema(schema);
    }

    private static Scribe update(ObjectNode fields) {
        return new Scribe(null, "Task", Scribe.Type.UPDATE, JSON.createArrayNode().add("t").add(fields), "p", 1,
                Map.of());
    }

    @Test
    void aNulCharacterInAValueOrAKeyIsRefusedWith400AsItsCommitWouldFail() {
        try (PostgresStore store = PostgresStore.connect(PgTestSupport.url(schema))) {
            Scribe inValue = update(JSON.createObjectNode().put("title", "a\u0000b"));
            ObjectNode nested = JSON.createObjectNode();
            nested.putObject("content").put("k\u0000", 1);
            Scribe inKey = update(nested);
            for (Scribe s : List.of(inValue, inKey)) {
                assertThatThrownBy(() -> store.check(s, 100))
                        .isInstanceOfSatisfying(ScribeException.class, e -> assertThat(e.code()).isEqualTo(400));
            }
            assertThatThrownBy(() -> store.check(inValue, 100)).hasMessageContaining("of Task")
                    .hasMessageContaining("at title,");
            // A local write's commit is refused the same way, naming the field, before PostgreSQL is asked
            // (which answered "unsupported Unicode escape sequence"): a char field never set holds U+0000.
            Scribe create = new Scribe(null, "Task", Scribe.Type.CREATE, JSON.createObjectNode().put("id", "t")
                    .put("letter", "\u0000"), "p", 1, Map.of());
            assertThatThrownBy(() -> store.commit(new Commit(List.of(create), List.of(), Map.of())))
                    .isInstanceOfSatisfying(ScribeException.class, e -> assertThat(e.code()).isEqualTo(400))
                    .hasMessageContaining(schema).hasMessageContaining("at letter,")
                    .hasMessageContaining("char field never set");
            assertThat(store.lastId()).isZero();

            Scribe fine = update(JSON.createObjectNode().put("title", "ordinary \u00e9\u4e2d"));
            store.check(fine, 100);
            assertThat(store.commit(new Commit(List.of(fine), List.of(), Map.of()))).hasSize(1);
        }
    }
}
