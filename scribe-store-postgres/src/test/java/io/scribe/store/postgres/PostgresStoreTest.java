package io.scribe.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Store;
import io.scribe.testkit.ReadAheadCheck;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String schema = PgTestSupport.newSchema();

    @AfterEach
    void dropSchema() throws Exception {
        PgTestSupport.dropSchema(schema);
    }

    private static Scribe scribe(String id) {
        return new Scribe(null, "Task", Scribe.Type.CREATE, JSON.createObjectNode().put("id", id), "p", 1, Map.of());
    }

    private static Commit append(Scribe... scribes) {
        return new Commit(List.of(scribes), List.of(), Map.of());
    }

    private static long count(String sql) throws Exception {
        try (Connection c = PgTestSupport.raw(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void applicationWorkGivenToACommitIsWrittenIfAndOnlyIfTheCommitIs() throws Exception {
        try (PostgresStore store = PostgresStore.connect(PgTestSupport.url(schema))) {
            PgTestSupport.execute("CREATE TABLE \"" + schema + "\".app_rows (log_id BIGINT)");
            store.commit(append(scribe("a")), (c, stored) -> {
                try (var ps = c.prepareStatement("INSERT INTO \"" + schema + "\".app_rows VALUES (?)")) {
                    ps.setLong(1, Long.parseLong(stored.get(0).id()));
                    ps.executeUpdate();
                }
            });
            assertThat(count("SELECT count(*) FROM \"" + schema + "\".app_rows WHERE log_id = 1")).isEqualTo(1);
            assertThatThrownBy(() -> store.commit(append(scribe("b")), (c, stored) -> {
                throw new java.sql.SQLException("refused by the application");
            })).isInstanceOf(io.scribe.core.ScribeException.class).hasMessageContaining("refused by the application");
            assertThat(store.lastId()).isEqualTo(1);
            assertThat(count("SELECT count(*) FROM \"" + schema + "\".app_rows")).isEqualTo(1);
        }
    }

    @Test
    void storeOpenServesPostgresqlUrls() {
        try (Store store = Store.open(PgTestSupport.url(schema))) {
            assertThat(store).isInstanceOf(PostgresStore.class);
            assertThat(((PostgresStore) store).schema()).isEqualTo(schema);
            store.commit(append(scribe("a")));
            assertThat(store.lastId()).isEqualTo(1);
        }
    }

    @Test
    void theSchemaMigrationIsVersionedAndIdempotent() throws Exception {
        PostgresStore.connect(PgTestSupport.url(schema)).close();
        PostgresStore.connect(PgTestSupport.url(schema)).close();
        assertThat(count("SELECT count(*) FROM " + schema + ".schema_version")).isEqualTo(2);
        assertThat(count("SELECT max(version) FROM " + schema + ".schema_version")).isEqualTo(2);
    }

    @Test
    void aVersionOneSchemaIsMigratedAndKeepsItsIds() throws Exception {
        try (Store store = PostgresStore.connect(PgTestSupport.url(schema))) {
            store.commit(append(scribe("a"), scribe("b")));
        }
        // As a Scribe before compaction left it.
        PgTestSupport.execute("DROP TABLE \"" + schema + "\".compacted");
        PgTestSupport.execute("DELETE FROM \"" + schema + "\".schema_version WHERE version = 2");
        try (Store store = PostgresStore.connect(PgTestSupport.url(schema))) {
            assertThat(store.lastId()).isEqualTo(2);
            assertThat(store.compact(2, List.of())).isTrue();
            assertThat(store.lastId()).isEqualTo(2);
            assertThat(store.commit(append(scribe("c")))).extracting(Scribe::id).containsExactly("3");
        }
        assertThat(count("SELECT up_to FROM \"" + schema + "\".compacted")).isEqualTo(2);
    }

    @Test
    void aNewerSchemaVersionIsRefusedAndLeftAlone() throws Exception {
        try (Store store = PostgresStore.connect(PgTestSupport.url(schema))) {
            store.commit(append(scribe("a")));
        }
        PgTestSupport.execute("INSERT INTO " + schema + ".schema_version (version) VALUES (99)");
        assertThatThrownBy(() -> PostgresStore.connect(PgTestSupport.url(schema)))
                .isInstanceOf(ScribeException.class).hasMessageContaining("version 99, newer");
        assertThat(count("SELECT count(*) FROM " + schema + ".log")).isEqualTo(1);
    }

    @Test
    void aForeignSchemaIsNotAdopted() throws Exception {
        PgTestSupport.execute("CREATE SCHEMA " + schema);
        PgTestSupport.execute("CREATE TABLE " + schema + ".log (line TEXT)");
        PgTestSupport.execute("INSERT INTO " + schema + ".log VALUES ('theirs')");
        assertThatThrownBy(() -> PostgresStore.connect(PgTestSupport.url(schema)))
                .isInstanceOf(ScribeException.class).hasMessageContaining("not a Scribe store");
        assertThat(count("SELECT count(*) FROM " + schema + ".log")).isEqualTo(1);
    }

    @Test
    void aFailingCommitWritesNothingAndLeavesTheOthersAlone() throws Exception {
        try (Store store = PostgresStore.connect(PgTestSupport.url(schema))) {
            store.commit(append(scribe("a")));
            // U+0000 cannot be stored in JSONB: the whole commit, cursor included, must be refused.
            Scribe bad = new Scribe(null, "Task", Scribe.Type.CREATE, JSON.createObjectNode().put("id", "nul\u0000"),
                    "p", 1, Map.of());
            Commit commit = new Commit(List.of(scribe("b"), bad), List.of(), Map.of("server", "7"));
            assertThatThrownBy(() -> store.commit(commit)).isInstanceOf(ScribeException.class)
                    .hasMessageContaining(schema);
            assertThat(store.lastId()).isEqualTo(1);
            assertThat(store.cursor("server")).isEmpty();
            assertThat(store.commit(append(scribe("c")))).extracting(Scribe::id).containsExactly("2");
        }
    }

    @Test
    void aCorruptRowIsAClearErrorOnRead() throws Exception {
        try (Store store = PostgresStore.connect(PgTestSupport.url(schema))) {
            PgTestSupport.execute("INSERT INTO " + schema + ".log (id, scribe) VALUES (1, '{\"nonsense\": true}')");
            assertThatThrownBy(() -> store.readAfter(0, 10)).isInstanceOf(ScribeException.class);
        }
    }

    @Test
    void twoStoresOnOneSchemaShareGaplessIds() throws Exception {
        try (PostgresStore a = PostgresStore.connect(PgTestSupport.url(schema));
                PostgresStore b = PostgresStore.connect(PgTestSupport.url(schema))) {
            List<Thread> threads = new ArrayList<>();
            for (Store s : List.of(a, b, a, b)) {
                Thread t = new Thread(() -> {
                    for (int i = 0; i < 20; i++) {
                        s.commit(append(scribe("x"), scribe("y")));
                    }
                });
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(a.lastId()).isEqualTo(160);
            List<Scribe> all = b.readAfter(0, 1000);
            assertThat(all).hasSize(160);
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).id()).isEqualTo(Integer.toString(i + 1));
            }
        }
    }

    @Test
    void watchIsToldOfOtherInstancesCommitsOnly() throws Exception {
        try (PostgresStore a = PostgresStore.connect(PgTestSupport.url(schema));
                PostgresStore b = PostgresStore.connect(PgTestSupport.url(schema))) {
            AtomicInteger calls = new AtomicInteger();
            CountDownLatch told = new CountDownLatch(1);
            a.watch(() -> {
                calls.incrementAndGet();
                told.countDown();
            });
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!told.await(100, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                b.commit(append(scribe("x")));
            }
            assertThat(told.getCount()).isZero();
            Thread.sleep(400);
            int before = calls.get();
            a.commit(append(scribe("own")));
            Thread.sleep(400);
            assertThat(calls.get()).isEqualTo(before);
        }
    }

    @Test
    void malformedUrlsAreRefused() {
        assertThatThrownBy(() -> PostgresStore.connect("postgresql://127.0.0.1/postgres?schema=Bad-Name"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("schema");
    }
    @Test
    void aLargeStoreIsReadAheadAndHandedOutWholeOnTheCallingThread() throws Exception {
        try (PostgresStore store = PostgresStore.connect(PgTestSupport.url(schema))) {
            var states = ReadAheadCheck.fill(store, 25_000);
            PgTestSupport.execute("ANALYZE " + schema + ".objects");   // the estimate that turns reading ahead on
            ReadAheadCheck.check(store, states, "scribe-postgres-read");
        }
    }
}
