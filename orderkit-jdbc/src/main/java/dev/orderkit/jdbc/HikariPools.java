package dev.orderkit.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A HikariCP pool configured the way the JDBC backend works best: short transactions at
 * READ COMMITTED, bounded waits, driver settings per dialect. HikariCP is an optional dependency:
 * add {@code com.zaxxer:HikariCP} to use this class. Stateless and thread-safe.
 */
public final class HikariPools {
    private HikariPools() {}

    /**
     * A pool config with the recommended settings: {@code maximumPoolSize} as given (about
     * 2 x CPU cores of the database is a good start), {@code connectionTimeout} 5 s,
     * {@code maxLifetime} 30 min, {@code idleTimeout} 10 min, {@code keepaliveTime} 2 min,
     * READ COMMITTED, auto-commit on; for PostgreSQL {@code reWriteBatchedInserts} and a 10 s
     * {@code options=-c statement_timeout} guard; for MySQL/MariaDB server-side prepared
     * statements off and a 10 s {@code innodb_lock_wait_timeout}.
     *
     * @param jdbcUrl JDBC URL
     * @param user user name (may be null: the one in the URL, or the driver's default)
     * @param password password (may be null)
     * @param maximumPoolSize pool size, at least 1
     * @return the config (adjust it before creating the pool)
     */
    public static HikariConfig recommendedConfig(
            String jdbcUrl, @Nullable String user, @Nullable String password, int maximumPoolSize) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl(jdbcUrl);
        c.setUsername(user);
        c.setPassword(password);
        c.setMaximumPoolSize(Math.max(1, maximumPoolSize));
        c.setMinimumIdle(Math.min(2, Math.max(1, maximumPoolSize)));
        c.setConnectionTimeout(5_000);
        c.setValidationTimeout(2_000);
        c.setIdleTimeout(600_000);
        c.setMaxLifetime(1_800_000);
        c.setKeepaliveTime(120_000);
        c.setAutoCommit(true);
        c.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        c.setPoolName("orderkit");
        String url = jdbcUrl.toLowerCase(Locale.ROOT);
        if (url.startsWith("jdbc:postgresql:")) {
            c.addDataSourceProperty("reWriteBatchedInserts", "true");
            if (!url.contains("statement_timeout")) {
                c.addDataSourceProperty("options", "-c statement_timeout=10000");
            }
        } else if (url.startsWith("jdbc:mariadb:") || url.startsWith("jdbc:mysql:")) {
            c.addDataSourceProperty("sessionVariables", "innodb_lock_wait_timeout=10");
        }
        return c;
    }

    /**
     * A pool with {@link #recommendedConfig} settings.
     *
     * @param jdbcUrl JDBC URL
     * @param user user name (may be null: the one in the URL, or the driver's default)
     * @param password password (may be null)
     * @param maximumPoolSize pool size
     * @return the started pool; close it on shutdown
     */
    public static HikariDataSource recommended(
            String jdbcUrl, @Nullable String user, @Nullable String password, int maximumPoolSize) {
        return new HikariDataSource(recommendedConfig(jdbcUrl, user, password, maximumPoolSize));
    }

    /**
     * The isolation level the backend expects.
     *
     * @return {@link Connection#TRANSACTION_READ_COMMITTED}
     */
    public static int isolation() {
        return Connection.TRANSACTION_READ_COMMITTED;
    }
}
