package io.scribe.store.postgres;

import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/** The PostgreSQL the tests use (SCRIBE_TEST_POSTGRES_URL, default the local server) and per-test schemas. */
final class PgTestSupport {

    static final String BASE_URL = System.getenv().getOrDefault("SCRIBE_TEST_POSTGRES_URL",
            "postgresql://127.0.0.1:5432/postgres?user=postgres");

    private PgTestSupport() {}

    static String newSchema() {
        return "scribe_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    static String url(String schema) {
        return BASE_URL + (BASE_URL.contains("?") ? "&" : "?") + "schema=" + schema + "&poolSize=4";
    }

    /** A plain JDBC connection to the test database, as the test's superuser. */
    static Connection raw() throws SQLException {
        URI uri = URI.create(BASE_URL);
        String user = "postgres";
        String password = null;
        if (uri.getQuery() != null) {
            for (String pair : uri.getQuery().split("&")) {
                if (pair.startsWith("user=")) {
                    user = pair.substring(5);
                } else if (pair.startsWith("password=")) {
                    password = pair.substring(9);
                }
            }
        }
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        return DriverManager.getConnection("jdbc:postgresql://" + uri.getHost() + ":"
                + (uri.getPort() < 0 ? 5432 : uri.getPort()) + "/" + db, user, password);
    }

    static void execute(String sql) throws SQLException {
        try (Connection c = raw(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    static void dropSchema(String schema) throws SQLException {
        execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
}
