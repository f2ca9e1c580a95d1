package dev.orderkit.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.testkit.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.mysql.MySQLContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Resolves the real database servers for the tests (env var, then localhost port, then
 * Testcontainers when Docker exists, else skip unless {@code ORDERKIT_IT_REQUIRED} names the
 * service) and creates one schema (PostgreSQL) / database (MariaDB, MySQL) per test JVM, dropped
 * by a shutdown hook. H2 gets a fresh in-memory database per fixture instead.
 */
final class TestDatabases {
    /** The database kinds under test. */
    enum Kind {
        POSTGRES,
        MARIADB,
        H2
    }

    /** A resolved server plus the per-run schema / database. */
    record Server(Kind kind, String url, String user, String password, String adminUrl, String schema) {}

    private static final Map<Kind, Server> SERVERS = new EnumMap<>(Kind.class);
    private static final Map<Kind, HikariDataSource> PRIMARY = new EnumMap<>(Kind.class);
    private static final Map<Kind, HikariDataSource> PEER = new EnumMap<>(Kind.class);

    private TestDatabases() {}

    static synchronized Server server(Kind kind) {
        Server s = SERVERS.get(kind);
        if (s == null) {
            s = switch (kind) {
                case POSTGRES -> postgres();
                case MARIADB -> mariadb();
                case H2 -> new Server(Kind.H2, "jdbc:h2:mem:unused", "sa", "", null, null);
            };
            SERVERS.put(kind, s);
        }
        return s;
    }

    private static Supplier<Optional<String>> container(Supplier<String> starter) {
        return () -> {
            if (!dockerAvailable()) {
                return Optional.empty();
            }
            return Optional.of(starter.get());
        };
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    private static String startPostgresContainer() {
        var c = new PostgreSQLContainer("postgres:15-alpine");
        c.start();
        return c.getJdbcUrl() + (c.getJdbcUrl().contains("?") ? "&" : "?") + "user=" + c.getUsername() + "&password="
                + c.getPassword();
    }

    @SuppressWarnings("resource")
    private static String startMysqlContainer() {
        var c = new MySQLContainer("mysql:8.0").withUsername("root").withPassword("test");
        c.start();
        return c.getJdbcUrl().replace("jdbc:mysql:", "jdbc:mariadb:")
                + (c.getJdbcUrl().contains("?") ? "&" : "?") + "user=root&password=test";
    }

    private static Server postgres() {
        String url = TestServices.resolve(
                "postgres",
                "ORDERKIT_TEST_POSTGRES_URL",
                5432,
                "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
                container(TestDatabases::startPostgresContainer));
        String schema = TestServices.uniqueName("okjdbc");
        exec(url, "CREATE SCHEMA " + schema);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closePools(Kind.POSTGRES);
            exec(url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }));
        String sep = url.contains("?") ? "&" : "?";
        return new Server(Kind.POSTGRES, url + sep + "currentSchema=" + schema, null, null, url, schema);
    }

    private static Server mariadb() {
        String url = TestServices.resolve(
                "mysql",
                "ORDERKIT_TEST_MYSQL_URL",
                3306,
                "jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable",
                container(TestDatabases::startMysqlContainer));
        url = url.replace("jdbc:mysql:", "jdbc:mariadb:");
        String db = TestServices.uniqueName("okjdbc");
        exec(url, "CREATE DATABASE " + db + " CHARACTER SET utf8mb4");
        String admin = url;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            closePools(Kind.MARIADB);
            exec(admin, "DROP DATABASE IF EXISTS " + db);
        }));
        // replace the database part of jdbc:mariadb://host:port/db?params
        String withDb = url.replaceFirst("^(jdbc:mariadb://[^/?]+)(/[^?]*)?", "$1/" + db);
        return new Server(Kind.MARIADB, withDb, null, null, url, db);
    }

    static void exec(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run '" + sql + "' on " + url + ": " + e.getMessage(), e);
        }
    }

    /** The shared pool of this JVM (primary side). */
    static synchronized HikariDataSource pool(Kind kind) {
        return PRIMARY.computeIfAbsent(kind, k -> newPool(server(k), "primary", 12));
    }

    /** A second pool on the same schema: another "application instance". */
    static synchronized HikariDataSource peerPool(Kind kind) {
        return PEER.computeIfAbsent(kind, k -> newPool(server(k), "peer", 12));
    }

    static HikariDataSource newPool(Server s, String name, int size) {
        HikariConfig c = HikariPools.recommendedConfig(s.url(), s.user(), s.password(), size);
        c.setMinimumIdle(1);
        c.setPoolName("okjdbc-" + s.kind().name().toLowerCase() + "-" + name);
        return new HikariDataSource(c);
    }

    private static synchronized void closePools(Kind kind) {
        HikariDataSource p = PRIMARY.remove(kind);
        if (p != null) {
            p.close();
        }
        p = PEER.remove(kind);
        if (p != null) {
            p.close();
        }
    }
}
