package dev.orderkit.jmh.internal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One benchmark trial's private database: a fresh PostgreSQL schema, MariaDB database or H2
 * in-memory database, created on {@link #create} and dropped by {@link #drop()}. Not thread-safe
 * (set up and torn down by JMH's single setup thread).
 */
public final class TrialDatabase {
    /** Supported servers. */
    public enum Kind {
        /** H2 in-memory (no server). */
        H2,
        /** PostgreSQL, {@link Services#postgresUrl()}. */
        POSTGRES,
        /** MariaDB / MySQL, {@link Services#mariadbUrl()}. */
        MARIADB
    }

    private final Kind kind;
    private final String url;
    private final String adminUrl;
    private final String name;

    private TrialDatabase(Kind kind, String url, String adminUrl, String name) {
        this.kind = kind;
        this.url = url;
        this.adminUrl = adminUrl;
        this.name = name;
    }

    /**
     * Creates a private schema / database.
     *
     * @param kind the server kind
     * @return the database; {@link #url()} points into it
     * @throws IllegalStateException if the server cannot be reached
     */
    public static TrialDatabase create(Kind kind) {
        String name = Services.uniqueName("okbench");
        switch (kind) {
            case H2:
                // LOCK_TIMEOUT: with 64 threads on one hot row H2's 1 s default would fail both sides
                return new TrialDatabase(
                        kind, "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000", null, name);
            case POSTGRES: {
                String admin = Services.postgresUrl();
                exec(admin, "CREATE SCHEMA " + name);
                return new TrialDatabase(
                        kind, admin + (admin.contains("?") ? "&" : "?") + "currentSchema=" + name, admin, name);
            }
            case MARIADB: {
                String admin = Services.mariadbUrl();
                exec(admin, "CREATE DATABASE " + name + " CHARACTER SET utf8mb4");
                return new TrialDatabase(
                        kind, admin.replaceFirst("^(jdbc:mariadb://[^/?]+)(/[^?]*)?", "$1/" + name), admin, name);
            }
            default:
                throw new IllegalArgumentException(kind.toString());
        }
    }

    /**
     * The kind.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * JDBC URL of the private schema / database (credentials included).
     *
     * @return the URL
     */
    public String url() {
        return url;
    }

    /**
     * Drops the schema / database (close the pools first).
     *
     * @throws IllegalStateException if the server cannot be reached
     */
    public void drop() {
        switch (kind) {
            case H2 -> exec(url, "SHUTDOWN");
            case POSTGRES -> exec(adminUrl, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
            case MARIADB -> exec(adminUrl, "DROP DATABASE IF EXISTS " + name);
            default -> throw new IllegalArgumentException(kind.toString());
        }
    }

    private static void exec(String url, String sql) {
        try (Connection c = DriverManager.getConnection(url);
                Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot run '" + sql + "' on " + url + ": " + e.getMessage(), e);
        }
    }
}
