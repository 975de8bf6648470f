package io.scribe.store.redis.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A parsed {@code redis://[user[:password]@]HOST[:PORT][/DB][?prefix=P&poolSize=N&timeoutMillis=T]} URL.
 *
 * @param redisUri the URL Jedis connects to, without Scribe's query parameters
 * @param prefix the key prefix (default {@code scribe})
 * @param poolSize the maximum number of pooled connections (default 8)
 * @param timeoutMillis the connect and socket timeout (default 2000)
 */
public record RedisUrl(URI redisUri, String prefix, int poolSize, int timeoutMillis) {

    private static final Set<String> KNOWN = Set.of("prefix", "poolSize", "timeoutMillis");

    /**
     * Parses {@code url}.
     *
     * @throws IllegalArgumentException if it is not a redis URL or a parameter is unknown or out of range
     */
    public static RedisUrl parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed redis URL: " + url, e);
        }
        if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme())) {
            throw new IllegalArgumentException("not a redis URL: " + url);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("redis URL without a host: " + url);
        }
        Map<String, String> params = query(uri.getRawQuery(), url);
        String prefix = params.getOrDefault("prefix", "scribe");
        if (prefix.isEmpty() || prefix.contains("{") || prefix.contains("}")) {
            throw new IllegalArgumentException("prefix must be non-empty and free of braces: " + url);
        }
        int pool = intParam(params, "poolSize", 8, url);
        int timeout = intParam(params, "timeoutMillis", 2000, url);
        URI plain;
        try {
            plain = new URI(uri.getScheme(), uri.getRawUserInfo() == null ? null : uri.getUserInfo(), uri.getHost(),
                    uri.getPort() < 0 ? 6379 : uri.getPort(), uri.getPath() == null || uri.getPath().isEmpty()
                            ? "/0" : uri.getPath(), null, null);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed redis URL: " + url, e);
        }
        return new RedisUrl(plain, prefix, pool, timeout);
    }

    private static Map<String, String> query(String raw, String url) {
        Map<String, String> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!KNOWN.contains(key)) {
                throw new IllegalArgumentException("unknown parameter " + key + " in " + url + "; known: " + KNOWN);
            }
            params.put(key, value);
        }
        return params;
    }

    private static int intParam(Map<String, String> params, String name, int dflt, String url) {
        String v = params.get(name);
        if (v == null) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(v);
            if (n <= 0) {
                throw new IllegalArgumentException(name + " must be positive in " + url);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " is not a number in " + url, e);
        }
    }
}
