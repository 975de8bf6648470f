package io.scribe.store.postgres.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parsed {@code postgresql://HOST[:PORT]/DB?user=U[&password=P][&schema=S][&poolSize=N][&driver options]} URL.
 *
 * @param jdbcUrl the JDBC URL, without parameters
 * @param user the user name, or null for the driver's default
 * @param password the password, or null
 * @param schema the schema the store lives in (default {@code scribe})
 * @param poolSize the maximum number of pooled connections (default 8)
 * @param driverProperties every other parameter, handed to the JDBC driver ({@code sslmode}, ...)
 */
public record PgUrl(String jdbcUrl, String user, String password, String schema, int poolSize,
        Map<String, String> driverProperties) {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * Parses {@code url}.
     *
     * @throws IllegalArgumentException if it is not a postgresql URL, or the schema is not a lower-case identifier
     */
    public static PgUrl parse(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("malformed postgresql URL: " + url, e);
        }
        if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
            throw new IllegalArgumentException("not a postgresql URL: " + url);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("postgresql URL without a host: " + url);
        }
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        Map<String, String> params = new LinkedHashMap<>();
        if (uri.getRawQuery() != null && !uri.getRawQuery().isEmpty()) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        String user = params.remove("user");
        String password = params.remove("password");
        String info = uri.getUserInfo();
        if (info != null && user == null) {
            int colon = info.indexOf(':');
            user = colon < 0 ? info : info.substring(0, colon);
            password = colon < 0 ? password : info.substring(colon + 1);
        }
        String schema = params.remove("schema");
        schema = schema == null ? "scribe" : schema;
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("schema must be a lower-case SQL identifier of at most 63 characters: "
                    + schema);
        }
        String pool = params.remove("poolSize");
        int poolSize;
        try {
            poolSize = pool == null ? 8 : Integer.parseInt(pool);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("poolSize is not a number in " + url, e);
        }
        if (poolSize < 2) {
            throw new IllegalArgumentException("poolSize must be at least 2 in " + url);
        }
        String jdbc = "jdbc:postgresql://" + uri.getHost() + ":" + (uri.getPort() < 0 ? 5432 : uri.getPort()) + "/"
                + db;
        return new PgUrl(jdbc, user, password, schema, poolSize, Map.copyOf(params));
    }
}
