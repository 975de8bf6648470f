package io.scribe.store.redis;

import java.net.URI;
import java.util.UUID;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** The Redis the tests use (SCRIBE_TEST_REDIS_URL, default the local server) and per-test key prefixes. */
final class RedisTestSupport {

    static final String BASE_URL = System.getenv().getOrDefault("SCRIBE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0");

    private RedisTestSupport() {}

    static String newPrefix() {
        return "scribe-test-" + UUID.randomUUID();
    }

    static String url(String prefix) {
        return BASE_URL + (BASE_URL.contains("?") ? "&" : "?") + "prefix=" + prefix;
    }

    static JedisPooled raw() {
        return new JedisPooled(URI.create(BASE_URL.replaceFirst("\\?.*$", "")));
    }

    /** Deletes every key under {@code prefix}. */
    static void deleteKeys(String prefix) {
        try (JedisPooled redis = raw()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            ScanParams match = new ScanParams().match(prefix + ":*").count(500);
            do {
                ScanResult<String> page = redis.scan(cursor, match);
                if (!page.getResult().isEmpty()) {
                    redis.del(page.getResult().toArray(new String[0]));
                }
                cursor = page.getCursor();
            } while (!cursor.equals("0"));
        }
    }
}
