package io.scribe.docsync.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.ScribeException;
import io.scribe.core.spi.Store;
import io.scribe.testkit.DurableStoreContractTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreContractTest extends DurableStoreContractTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("client.db");
    }

    @Override
    protected Store newStore() {
        return SqliteStore.open(file());
    }

    @Override
    protected Store reopen(Store old) {
        old.close();
        return SqliteStore.open(file());
    }

    @Test
    void aForeignDatabaseIsRefusedAndLeftIntact() throws Exception {
        Path foreign = dir.resolve("foreign.db");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + foreign); var st = c.createStatement()) {
            st.execute("CREATE TABLE mine (x INTEGER)");
            st.execute("INSERT INTO mine VALUES (42)");
        }
        assertThatThrownBy(() -> SqliteStore.open(foreign)).isInstanceOf(ScribeException.class)
                .hasMessageContaining("not a Scribe store");
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + foreign); var st = c.createStatement();
                var rs = st.executeQuery("SELECT x FROM mine")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }

    @Test
    void aFileThatIsNotSqliteIsRefused() throws Exception {
        Path garbage = dir.resolve("garbage.db");
        Files.writeString(garbage, "this is not a database, it is a text file of some length ".repeat(20));
        assertThatThrownBy(() -> SqliteStore.open(garbage)).isInstanceOf(ScribeException.class);
        assertThat(Files.readString(garbage)).startsWith("this is not a database");
    }
}
