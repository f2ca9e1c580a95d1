package dev.orderkit.jdbc;

import java.util.Locale;

/**
 * The SQL dialects the JDBC backend speaks. Detected from {@link java.sql.DatabaseMetaData}
 * ({@link #detect(String)}) unless set explicitly on the {@link JdbcBackend.Builder}.
 *
 * <p>Immutable and thread-safe.
 */
public enum JdbcDialect {
    /** PostgreSQL 15 or newer. */
    POSTGRESQL("postgresql", true, true),
    /** MySQL 8.0 or newer, and MariaDB 10.6 or newer (the SQL used stays within what both accept). */
    MYSQL("mysql", true, false),
    /** H2 2.x, embedded (memory or file). */
    H2("h2", false, true);

    private final String folder;
    private final boolean skipLocked;
    private final boolean batchCounts;

    JdbcDialect(String folder, boolean skipLocked, boolean batchCounts) {
        this.folder = folder;
        this.skipLocked = skipLocked;
        this.batchCounts = batchCounts;
    }

    /**
     * The folder of this dialect's schema scripts under {@code db/orderkit/} on the classpath.
     *
     * @return e.g. {@code postgresql}
     */
    public String scriptFolder() {
        return folder;
    }

    /**
     * Whether {@code SELECT ... FOR UPDATE SKIP LOCKED} is used for expiry scans and outbox claims.
     *
     * @return true for PostgreSQL and MySQL/MariaDB
     */
    public boolean supportsSkipLocked() {
        return skipLocked;
    }

    /**
     * Whether JDBC batches of guarded updates report exact per-statement update counts (MariaDB
     * Connector/J may answer {@code SUCCESS_NO_INFO} for bulk batches, so MySQL runs them one by one).
     *
     * @return true if guarded updates may be batched
     */
    public boolean reliableBatchCounts() {
        return batchCounts;
    }

    /**
     * Maps a JDBC product name ({@link java.sql.DatabaseMetaData#getDatabaseProductName()}) to a dialect.
     *
     * @param productName the product name, e.g. {@code PostgreSQL}, {@code MySQL}, {@code MariaDB}, {@code H2}
     * @return the dialect
     * @throws IllegalArgumentException if the product is not supported
     */
    public static JdbcDialect detect(String productName) {
        String p = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (p.contains("postgres")) {
            return POSTGRESQL;
        }
        if (p.contains("mysql") || p.contains("mariadb")) {
            return MYSQL;
        }
        if (p.equals("h2") || p.startsWith("h2 ")) {
            return H2;
        }
        throw new IllegalArgumentException("unsupported database product '" + productName
                + "': set JdbcBackend.Builder.dialect(...) to one of POSTGRESQL, MYSQL, H2");
    }
}
