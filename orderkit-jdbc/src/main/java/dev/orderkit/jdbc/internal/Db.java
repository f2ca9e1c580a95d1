package dev.orderkit.jdbc.internal;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.jdbc.JdbcDialect;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.TemplateEngine;
import org.jspecify.annotations.Nullable;

/**
 * Shared plumbing of the JDBC backend: prefixed SQL, short transactions with rollback, the
 * mapping of driver failures to orderkit exceptions, and instant encoding. Thread-safe.
 *
 * <p>Every transaction runs at READ COMMITTED (the default of PostgreSQL and H2; set per
 * connection on MySQL/MariaDB, whose drivers cache the level, so it costs no extra round trip).
 * Nothing here retries: a transaction that failed with a deadlock or a serialization failure was
 * rolled back by the database and is reported as {@link ConcurrencyConflictException}, which core's
 * conflict policy retries (or, inside an atomic phase, the whole phase). Any other driver failure
 * becomes {@link BackendUnavailableException}; {@link SQLException} never leaks.
 */
public final class Db {
    private static final AtomicLong SAVEPOINTS = new AtomicLong();
    private static final String[] SAVEPOINT_NAMES = {"ok_sp0", "ok_sp1", "ok_sp2", "ok_sp3"};
    /** Nesting depth of savepoints on this thread's step transaction. */
    private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);

    private final Jdbi jdbi;
    private final JdbcDialect dialect;
    private final String prefix;
    private final ConcurrentHashMap<String, String> sqlCache = new ConcurrentHashMap<>();
    private final @Nullable DataSource dataSource;

    /** A unit of work run with a handle. */
    @FunctionalInterface
    public interface Work<T> {
        /**
         * Runs the work.
         *
         * @param tx the transaction (or plain handle for reads)
         * @return the result
         */
        T run(Tx tx);
    }

    /** An open handle, plus a rollback-only flag for transactions that return a value. */
    public static final class Tx {
        private final Handle handle;
        private boolean rollbackOnly;

        Tx(Handle handle) {
            this.handle = handle;
        }

        /**
         * The Jdbi handle.
         *
         * @return the handle
         */
        public Handle handle() {
            return handle;
        }

        /** Marks the transaction to be rolled back instead of committed when the work returns. */
        public void rollbackOnly() {
            rollbackOnly = true;
        }
    }

    /** The handle of the step transaction running on this thread, if any. */
    private final ThreadLocal<Handle> ambient = new ThreadLocal<>();

    /**
     * Creates the plumbing.
     *
     * @param jdbi the Jdbi instance
     * @param dialect the dialect
     * @param prefix the table prefix (already validated)
     */
    public Db(Jdbi jdbi, JdbcDialect dialect, String prefix) {
        this(jdbi, dialect, prefix, null);
    }

    /**
     * Creates the plumbing with the data source the Jdbi instance was created from, so plain-JDBC
     * hot paths ({@link #withConnection}) take connections without opening a Jdbi handle.
     *
     * @param jdbi the Jdbi instance
     * @param dialect the dialect
     * @param prefix the table prefix (already validated)
     * @param dataSource the data source behind {@code jdbi}, or null if unknown
     */
    public Db(Jdbi jdbi, JdbcDialect dialect, String prefix, @Nullable DataSource dataSource) {
        this.jdbi = Objects.requireNonNull(jdbi, "jdbi");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.dataSource = dataSource;
    }

    /**
     * The dialect.
     *
     * @return the dialect
     */
    public JdbcDialect dialect() {
        return dialect;
    }

    /**
     * The table prefix.
     *
     * @return the prefix
     */
    public String prefix() {
        return prefix;
    }

    /**
     * Replaces {@code {p}} by the table prefix.
     *
     * @param template SQL with {@code {p}} before every table name
     * @return the SQL
     */
    public String sql(String template) {
        return sqlCache.computeIfAbsent(template, t -> t.replace("{p}", prefix));
    }

    /**
     * Runs work in one short READ COMMITTED transaction, committing when it returns (unless
     * {@link Tx#rollbackOnly()} was called) and rolling back when it throws.
     *
     * @param what description for error messages
     * @param work the work
     * @param <T> result type
     * @return the work's result
     * @throws BackendUnavailableException on driver failures
     * @throws ConcurrencyConflictException on a deadlock or serialization failure (rolled back: the
     *     caller's conflict policy runs it again)
     */
    public <T> T tx(String what, Work<T> work) {
        Handle outer = ambient.get();
        if (outer != null) {
            return nested(what, outer, work);
        }
        try {
            return once(work, true);
        } catch (JdbiException e) {
            throw map(what, e);
        }
    }

    /**
     * Like {@link #tx}, for work that needs no savepoint inside a step transaction: work that writes
     * nothing when it marks itself rollback-only (e.g. an insert-if-absent or a compare-and-set
     * whose row count says it lost), and whose failure ends the step transaction (core never
     * continues a unit after a backend failure: it rolls the whole unit back and retries it). Saves
     * the {@code SAVEPOINT} and {@code RELEASE} round trips of {@link #tx}. Outside a step
     * transaction it is {@link #tx}.
     *
     * @param what description for error messages
     * @param work the work
     * @param <T> result type
     * @return the work's result
     * @throws BackendUnavailableException on driver failures
     * @throws ConcurrencyConflictException on a deadlock or serialization failure
     */
    public <T> T txWithoutSavepoint(String what, Work<T> work) {
        Handle outer = ambient.get();
        if (outer == null) {
            return tx(what, work);
        }
        try {
            return work.run(new Tx(outer)); // rollback-only writes nothing: nothing to undo
        } catch (JdbiException e) {
            throw map(what, e);
        }
    }

    /**
     * Runs read-only work on an auto-commit handle.
     *
     * @param what description for error messages
     * @param work the work
     * @param <T> result type
     * @return the result
     * @throws BackendUnavailableException on driver failures
     */
    public <T> T read(String what, Work<T> work) {
        try {
            Handle outer = ambient.get();
            if (outer != null) {
                return work.run(new Tx(outer)); // inside a step transaction: read its own writes
            }
            return once(work, false);
        } catch (JdbiException e) {
            throw map(what, e);
        }
    }

    /**
     * Runs {@code work} in one transaction that every {@link #tx} / {@link #read} on this thread
     * joins (as a savepoint) until it ends: the atomic phases of {@code JdbcBackend.stepTransactions()}.
     * Joins an enclosing one if there is one. No deadlock retry here: the caller retries the unit.
     *
     * @param work the unit of work
     * @param <T> result type
     * @return the work's result
     * @throws BackendUnavailableException on driver failures
     * @throws ConcurrencyConflictException on a deadlock or serialization failure
     */
    public <T> T inTransaction(Supplier<T> work) {
        if (ambient.get() != null) {
            return work.get();
        }
        try (Handle h = jdbi.open()) {
            h.setTemplateEngine(TemplateEngine.NOP);
            if (dialect == JdbcDialect.MYSQL) {
                readCommitted(h);
            }
            h.begin();
            ambient.set(h);
            boolean done = false;
            try {
                T result = work.get();
                h.commit();
                done = true;
                return result;
            } finally {
                ambient.remove();
                if (!done) {
                    try {
                        h.rollback();
                    } catch (RuntimeException suppressed) {
                        // connection already broken: the database rolls back on its own
                    }
                }
            }
        } catch (JdbiException e) {
            throw map("step transaction", e);
        }
    }

    /**
     * One SPI call inside a step transaction: all-or-nothing through a savepoint. Savepoints are
     * named by their nesting depth (a released or rolled-back name is free again), so the same few
     * statements repeat and the driver and server can cache them.
     */
    private <T> T nested(String what, Handle h, Work<T> work) {
        int[] level = depth.get();
        String savepoint = SAVEPOINT_NAMES[Math.min(level[0], SAVEPOINT_NAMES.length - 1)];
        if (level[0] >= SAVEPOINT_NAMES.length - 1) {
            savepoint = "ok_sp" + SAVEPOINTS.incrementAndGet(); // deeper than ever seen: a unique name
        }
        level[0]++;
        try {
            return nestedAt(what, h, work, savepoint);
        } finally {
            level[0]--;
        }
    }

    private <T> T nestedAt(String what, Handle h, Work<T> work, String savepoint) {
        try {
            h.savepoint(savepoint);
            Tx tx = new Tx(h);
            T result;
            try {
                result = work.run(tx);
            } catch (RuntimeException e) {
                rollbackTo(h, savepoint, e);
                throw e;
            }
            if (tx.rollbackOnly) {
                h.rollbackToSavepoint(savepoint); // Jdbi forgets the savepoint after rolling back to it
            } else {
                h.releaseSavepoint(savepoint);
            }
            return result;
        } catch (JdbiException e) {
            throw map(what, e);
        }
    }

    private static void rollbackTo(Handle h, String savepoint, RuntimeException cause) {
        try {
            h.rollbackToSavepoint(savepoint);
        } catch (RuntimeException suppressed) {
            cause.addSuppressed(suppressed); // the whole transaction will be rolled back anyway
        }
    }

    private <T> T once(Work<T> work, boolean transactional) {
        try (Handle h = jdbi.open()) {
            h.setTemplateEngine(TemplateEngine.NOP);
            if (!transactional) {
                return work.run(new Tx(h));
            }
            if (dialect == JdbcDialect.MYSQL) {
                readCommitted(h); // InnoDB defaults to REPEATABLE READ; PostgreSQL and H2 default to READ COMMITTED
            }
            Tx tx = new Tx(h);
            h.begin();
            boolean done = false;
            try {
                T result = work.run(tx);
                if (tx.rollbackOnly) {
                    h.rollback();
                } else {
                    h.commit();
                }
                done = true;
                return result;
            } finally {
                if (!done) {
                    try {
                        h.rollback();
                    } catch (RuntimeException suppressed) {
                        // connection already broken: the database rolls back on its own
                    }
                }
            }
        }
    }

    private static void readCommitted(Handle h) {
        try {
            Connection c = h.getConnection();
            if (c.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
        } catch (SQLException e) {
            throw new BackendUnavailableException("cannot set READ COMMITTED isolation: " + e.getMessage(), e);
        }
    }

    /** Plain-JDBC work on a connection. */
    @FunctionalInterface
    public interface ConnectionWork<T> {
        /**
         * Runs the work.
         *
         * @param c the connection: in auto-commit mode unless {@code ambient} (or unless the data
         *     source hands out manual-commit connections, which the work must then commit)
         * @param ambient true if {@code c} belongs to the step transaction running on this thread
         *     (the work must neither commit nor roll it back)
         * @return the result
         * @throws SQLException on driver failures
         */
        T run(Connection c, boolean ambient) throws SQLException;
    }

    /**
     * Runs plain-JDBC work (the stock hot path, where a Jdbi handle's own cost shows): on the
     * connection of the step transaction running on this thread, if any, else on a connection of
     * its own, closed afterwards. Transactions, if the work needs one, are the work's business.
     *
     * @param what description for error messages
     * @param work the work
     * @param <T> result type
     * @return the result
     * @throws BackendUnavailableException on driver failures
     * @throws ConcurrencyConflictException on a deadlock or serialization failure
     */
    public <T> T withConnection(String what, ConnectionWork<T> work) {
        Handle outer = ambient.get();
        try {
            if (outer != null) {
                return work.run(outer.getConnection(), true);
            }
            if (dataSource != null) {
                try (Connection c = dataSource.getConnection()) {
                    return work.run(c, false);
                }
            }
            try (Handle h = jdbi.open()) {
                return work.run(h.getConnection(), false);
            }
        } catch (SQLException e) {
            throw map(what, e);
        } catch (JdbiException e) {
            throw map(what, e);
        }
    }

    /**
     * One statement on a plain connection.
     *
     * @param <T> result type
     */
    @FunctionalInterface
    public interface StatementBody<T> {
        /**
         * Runs it.
         *
         * @param c the connection
         * @return the result
         * @throws SQLException on driver failures
         */
        T run(Connection c) throws SQLException;
    }

    /**
     * Runs one statement that is atomic on its own (inside {@link #withConnection}): as is in
     * auto-commit mode (one round trip, commit included) or inside the step transaction (whose
     * commit is the unit's); committed explicitly only if the data source hands out manual-commit
     * connections.
     *
     * @param c the connection
     * @param ambient whether it is the step transaction's
     * @param body the statement
     * @param <T> result type
     * @return the result
     * @throws SQLException on driver failures (rolled back if this committed it)
     */
    public static <T> T autoCommitted(Connection c, boolean ambient, StatementBody<T> body) throws SQLException {
        if (ambient || c.getAutoCommit()) {
            return body.run(c);
        }
        try {
            T result = body.run(c);
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed); // connection broken: the database rolls back on its own
            }
            throw e;
        }
    }

    /**
     * Maps a driver failure to an orderkit exception, like {@link #map(String, JdbiException)}.
     *
     * @param what what was being done
     * @param sql the failure
     * @return the exception to throw
     */
    public static RuntimeException map(String what, SQLException sql) {
        if (isConflict(sql)) {
            return new ConcurrencyConflictException(
                    what + ": transaction conflict (SQLState " + sql.getSQLState() + ", code " + sql.getErrorCode()
                            + "): " + sql.getMessage(),
                    sql);
        }
        return new BackendUnavailableException(
                what + " failed: SQLState " + sql.getSQLState() + ", code " + sql.getErrorCode() + ": "
                        + sql.getMessage(),
                sql);
    }

    /**
     * Finds the first {@link SQLException} in a cause chain.
     *
     * @param e the throwable
     * @return the SQL exception or null
     */
    public static @Nullable SQLException sqlCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                return s;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }

    /**
     * Whether the failure is a deadlock or serialization failure (transaction rolled back by the database).
     *
     * @param e the SQL exception (may be null)
     * @return true if re-running the transaction may succeed
     */
    public static boolean isConflict(@Nullable SQLException e) {
        if (e == null) {
            return false;
        }
        String state = e.getSQLState();
        return "40001".equals(state) || "40P01".equals(state) || e.getErrorCode() == 1213 || e.getErrorCode() == 40001;
    }

    /**
     * Whether the failure is a unique-key violation.
     *
     * @param e the throwable
     * @return true for SQLState 23505 (PostgreSQL, H2) or MySQL/MariaDB error 1062
     */
    public static boolean isDuplicate(Throwable e) {
        SQLException s = sqlCause(e);
        return s != null && ("23505".equals(s.getSQLState()) || s.getErrorCode() == 1062);
    }

    /**
     * Maps a Jdbi failure to an orderkit exception.
     *
     * @param what what was being done
     * @param e the failure
     * @return the exception to throw
     */
    public static RuntimeException map(String what, JdbiException e) {
        SQLException sql = sqlCause(e);
        if (sql != null && isConflict(sql)) {
            return new ConcurrencyConflictException(
                    what + ": transaction conflict (SQLState " + sql.getSQLState() + ", code " + sql.getErrorCode()
                            + "): " + sql.getMessage(),
                    e);
        }
        String detail = sql == null
                ? e.getMessage()
                : "SQLState " + sql.getSQLState() + ", code " + sql.getErrorCode() + ": " + sql.getMessage();
        return new BackendUnavailableException(what + " failed: " + detail, e);
    }

    /**
     * Encodes an instant as nanoseconds since the epoch, saturating beyond the years 1677..2262
     * (order is preserved, so comparisons stay correct).
     *
     * @param t the instant
     * @return nanoseconds
     */
    public static long nanos(Instant t) {
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        } catch (ArithmeticException e) {
            return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /**
     * Decodes {@link #nanos(Instant)}.
     *
     * @param n nanoseconds since the epoch
     * @return the instant
     */
    public static Instant instant(long n) {
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
    }
}
