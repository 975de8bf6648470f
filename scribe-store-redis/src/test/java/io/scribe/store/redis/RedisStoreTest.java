package io.scribe.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Store;
import io.scribe.testkit.ReadAheadCheck;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.JedisPooled;

class RedisStoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String prefix = RedisTestSupport.newPrefix();

    @AfterEach
    void deleteKeys() {
        RedisTestSupport.deleteKeys(prefix);
    }

    private static Scribe scribe(String id) {
        return new Scribe(null, "Task", Scribe.Type.CREATE, JSON.createObjectNode().put("id", id), "p", 1, Map.of());
    }

    private static Commit append(Scribe... scribes) {
        return new Commit(List.of(scribes), List.of(), Map.of());
    }

    @Test
    void storeOpenServesRedisUrls() {
        try (Store store = Store.open(RedisTestSupport.url(prefix))) {
            assertThat(store).isInstanceOf(RedisStore.class);
            assertThat(((RedisStore) store).prefix()).isEqualTo(prefix);
            store.commit(append(scribe("a")));
            assertThat(store.lastId()).isEqualTo(1);
        }
    }

    @Test
    void aMarkerHoldingOnlyTheFormatAsAKillBetweenTwoWritesLeftItIsCompleted() {
        try (JedisPooled raw = RedisTestSupport.raw()) {
            raw.hset(prefix + ":meta", "format", "scribe");
        }
        try (Store store = Store.open(RedisTestSupport.url(prefix))) {
            store.commit(append(scribe("a")));
            assertThat(store.lastId()).isEqualTo(1);
        }
        try (JedisPooled raw = RedisTestSupport.raw()) {
            assertThat(raw.hgetAll(prefix + ":meta")).isEqualTo(Map.of("format", "scribe", "version", "1"));
        }
    }

    @Test
    void malformedUrlsAreRefused() {
        assertThatThrownBy(() -> RedisStore.connect("redis://127.0.0.1:6379/0?prefx=x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefx");
        assertThatThrownBy(() -> RedisStore.connect("redis://127.0.0.1:6379/zero"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("database");
    }

    @Test
    void aKeyOfTheWrongTypeIsAClearErrorAndIsLeftAlone() {
        try (JedisPooled raw = RedisTestSupport.raw()) {
            raw.rpush(prefix + ":log", "not", "ours");
            assertThatThrownBy(() -> RedisStore.connect(RedisTestSupport.url(prefix)))
                    .isInstanceOf(ScribeException.class).hasMessageContaining(prefix + ":log holds a list");
            assertThat(raw.lrange(prefix + ":log", 0, -1)).containsExactly("not", "ours");
            assertThat(raw.exists(prefix + ":meta")).isFalse();
        }
    }

    @Test
    void aKeyTurnedToTheWrongTypeAfterOpeningFailsTheCommitAndWritesNothing() {
        try (RedisStore store = RedisStore.connect(RedisTestSupport.url(prefix));
                JedisPooled raw = RedisTestSupport.raw()) {
            store.commit(append(scribe("a")));
            raw.sadd(prefix + ":cursors", "intruder");
            Commit commit = new Commit(List.of(scribe("b")), List.of(), Map.of("server", "9"));
            assertThatThrownBy(() -> store.commit(commit))
                    .isInstanceOf(ScribeException.class).hasMessageContaining("holds a set")
                    .hasMessageContaining("nothing was written");
            assertThat(store.lastId()).isEqualTo(1);
            assertThat(store.readAfter(0, 10)).hasSize(1);
        }
    }

    @Test
    void aForeignPrefixIsNotAdopted() {
        try (JedisPooled raw = RedisTestSupport.raw()) {
            raw.set(prefix + ":seq", "12");
            assertThatThrownBy(() -> RedisStore.connect(RedisTestSupport.url(prefix)))
                    .isInstanceOf(ScribeException.class).hasMessageContaining("no " + prefix + ":meta");
            assertThat(raw.get(prefix + ":seq")).isEqualTo("12");
        }
    }

    @Test
    void aNewerFormatIsRefused() {
        try (JedisPooled raw = RedisTestSupport.raw()) {
            raw.hset(prefix + ":meta", Map.of("format", "scribe", "version", "2"));
            assertThatThrownBy(() -> RedisStore.connect(RedisTestSupport.url(prefix)))
                    .isInstanceOf(ScribeException.class).hasMessageContaining("version 2, newer");
        }
    }

    @Test
    void twoInstancesOnOnePrefixShareOneSequence() {
        try (RedisStore a = RedisStore.connect(RedisTestSupport.url(prefix));
                RedisStore b = RedisStore.connect(RedisTestSupport.url(prefix))) {
            a.commit(append(scribe("1")));
            b.commit(append(scribe("2"), scribe("3")));
            assertThat(a.commit(append(scribe("4")))).extracting(Scribe::id).containsExactly("4");
            assertThat(b.readAfter(0, 10)).extracting(s -> s.data().get("id").asText())
                    .containsExactly("1", "2", "3", "4");
        }
    }

    @Test
    void watchIsToldOfOtherInstancesCommitsOnly() throws Exception {
        try (RedisStore a = RedisStore.connect(RedisTestSupport.url(prefix));
                RedisStore b = RedisStore.connect(RedisTestSupport.url(prefix))) {
            AtomicInteger calls = new AtomicInteger();
            CountDownLatch told = new CountDownLatch(1);
            a.watch(() -> {
                calls.incrementAndGet();
                told.countDown();
            });
            // The subscription starts asynchronously: keep committing until it is in place.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!told.await(50, TimeUnit.MILLISECONDS) && System.nanoTime() < deadline) {
                b.commit(append(scribe("x")));
            }
            assertThat(told.getCount()).isZero();
            int before = calls.get();
            a.commit(append(scribe("own")));
            b.commit(new Commit(List.of(), List.of(), Map.of("c", "1")));
            Thread.sleep(200);
            assertThat(calls.get()).isEqualTo(before);
        }
    }

    @Test
    void compactionRemovesALongHeadInBatchesAndOnlyItsOwnKeys() {
        try (JedisPooled raw = RedisTestSupport.raw()) {
            raw.set(prefix + "x:log", "a neighbour's key");
        }
        try (Store store = Store.open(RedisTestSupport.url(prefix))) {
            Scribe[] many = new Scribe[25_001];
            for (int i = 0; i < many.length; i++) {
                many[i] = scribe("s" + i);
            }
            store.commit(append(many));
            assertThat(store.compact(25_000, List.of())).isTrue();
            assertThat(store.lastId()).isEqualTo(25_001);
            assertThat(store.readAfter(0, 10)).extracting(Scribe::id).containsExactly("25001");
            assertThat(store.readAfter(12_000, 10)).extracting(Scribe::id).containsExactly("25001");
        }
        try (JedisPooled raw = RedisTestSupport.raw()) {
            assertThat(raw.hlen(prefix + ":log")).isEqualTo(1);
            assertThat(raw.hget(prefix + ":meta", "compacted")).isEqualTo("25000");
            assertThat(raw.get(prefix + "x:log")).isEqualTo("a neighbour's key");
            raw.del(prefix + "x:log");
        }
    }
    @Test
    void aLargeStoreIsReadAheadAndHandedOutWholeOnTheCallingThread() throws Exception {
        try (RedisStore store = RedisStore.connect(RedisTestSupport.url(prefix))) {
            var states = ReadAheadCheck.fill(store, 25_000);
            ReadAheadCheck.check(store, states, "scribe-redis-read");
        }
    }
}
