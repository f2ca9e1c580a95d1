package dev.orderkit.jmh.internal;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Where the benchmark servers are, resolved like the tests: an environment variable, else the
 * conventional localhost endpoint. There is no skip: a benchmark whose server is missing fails,
 * so {@code smoke.sh} exits non-zero. Stateless and thread-safe.
 */
public final class Services {
    /** {@code ORDERKIT_TEST_POSTGRES_URL}, default {@code jdbc:postgresql://127.0.0.1:5432/test?user=postgres}. */
    public static final String POSTGRES_ENV = "ORDERKIT_TEST_POSTGRES_URL";
    /** {@code ORDERKIT_TEST_MYSQL_URL}, default {@code jdbc:mariadb://127.0.0.1:3306/test?user=root}. */
    public static final String MYSQL_ENV = "ORDERKIT_TEST_MYSQL_URL";
    /** {@code ORDERKIT_TEST_REDIS_URL}, default {@code redis://127.0.0.1:6379}. */
    public static final String REDIS_ENV = "ORDERKIT_TEST_REDIS_URL";

    private Services() {}

    /**
     * The PostgreSQL admin URL (a database the benchmark may create schemas in).
     *
     * @return a JDBC URL, credentials included
     */
    public static String postgresUrl() {
        return env(POSTGRES_ENV, "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    }

    /**
     * The MariaDB / MySQL admin URL (a server the benchmark may create databases on).
     *
     * @return a {@code jdbc:mariadb:} URL, credentials included
     */
    public static String mariadbUrl() {
        return env(MYSQL_ENV, "jdbc:mariadb://127.0.0.1:3306/test?user=root&sslMode=disable")
                .replace("jdbc:mysql:", "jdbc:mariadb:");
    }

    /**
     * The standalone Redis URL.
     *
     * @return a {@code redis://} URL
     */
    public static String redisUrl() {
        return env(REDIS_ENV, "redis://127.0.0.1:6379");
    }

    /**
     * A fresh lower-case identifier usable as schema, database, table or key prefix.
     *
     * @param prefix leading letters
     * @return {@code prefix_} plus a random suffix
     */
    public static String uniqueName(String prefix) {
        return prefix + "_" + Long.toString(System.nanoTime() & 0xffffffffL, 36)
                + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v.trim();
    }
}
