package dev.orderkit.testkit;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A {@link DataSource} that fails <em>writes</em> the way a database connection really fails, for
 * {@code AmbiguousFailureContract} and fault tests of JDBC backends. Wrap the data source (a pool,
 * typically) handed to the backend; connections, statements and prepared statements are JDK
 * dynamic proxies over the real ones, so any driver and any pool work.
 *
 * <p>A <em>write</em> is the {@code COMMIT} of a transaction that executed a data-changing statement
 * ({@code INSERT}, {@code UPDATE}, {@code DELETE}, {@code MERGE}, {@code UPSERT}, {@code REPLACE},
 * {@code TRUNCATE}, or a {@code WITH} query containing one of them), or a data-changing statement
 * executed in auto-commit mode (a batch counts once). A commit through
 * {@code setAutoCommit(true)} in the middle of a transaction counts as a commit. Reads, DDL,
 * {@code SELECT ... FOR UPDATE} and transactions that changed nothing are never failed. Each write
 * asks the {@link FaultPlan} which fault it suffers:
 * <ul>
 *   <li>{@link FaultInjection.Fault#FAIL_BEFORE}: the server applies nothing. A transaction is rolled
 *       back instead of committed; an auto-commit statement is not sent.</li>
 *   <li>{@link FaultInjection.Fault#LOSE_ACK}: the server applies the write (the real commit, or the
 *       real auto-commit statement, runs), and its reply is lost.</li>
 * </ul>
 * Either way the caller then gets an {@link SQLException} with SQLState {@value #SQL_STATE}
 * (connection failure), and the connection is dead, as after a real network failure: the physical
 * connection is aborted ({@link Connection#abort}), the pool is made to notice it (a pool such as
 * HikariCP evicts a connection whose calls fail with an {@code 08} SQLState) and every later call
 * on the caller's connection fails with SQLState {@code 08003} except {@code close()},
 * {@code isClosed()}, {@code isValid(int)} and {@code abort(Executor)}.
 *
 * <p>Thread-safe: the plan is shared by every connection; each connection is used by one thread
 * at a time, as JDBC requires.
 */
public final class FaultInjectingDataSource implements DataSource, FaultInjection {

    /** The SQLState of an injected failure: connection failure. */
    public static final String SQL_STATE = "08006";

    private static final Pattern LEADING_NOISE =
            Pattern.compile("^(\\s+|--[^\\n]*(\\n|$)|/\\*.*?\\*/|\\()+", Pattern.DOTALL);
    private static final Set<String> CHANGING =
            Set.of("INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE", "TRUNCATE");
    private static final Pattern CHANGING_IN_WITH =
            Pattern.compile("\\b(INSERT|UPDATE|DELETE|MERGE)\\b", Pattern.CASE_INSENSITIVE);
    private static final Executor DIRECT = Runnable::run;

    private final DataSource real;
    private final FaultPlan plan;
    private final AtomicInteger writes = new AtomicInteger();

    /**
     * Wraps a data source with its own, disarmed plan.
     *
     * @param real the data source to wrap
     */
    public FaultInjectingDataSource(DataSource real) {
        this(real, new FaultPlan());
    }

    /**
     * Wraps a data source with a given plan (several data sources may share one, e.g. the pools
     * of two simulated application instances).
     *
     * @param real the data source to wrap
     * @param plan decides which write fails how
     */
    public FaultInjectingDataSource(DataSource real, FaultPlan plan) {
        this.real = Objects.requireNonNull(real, "real");
        this.plan = Objects.requireNonNull(plan, "plan");
    }

    /**
     * The plan consulted at every write.
     *
     * @return the plan
     */
    public FaultPlan plan() {
        return plan;
    }

    /**
     * Writes seen so far (failed or not), for tests that check where faults can happen.
     *
     * @return the count
     */
    public int writes() {
        return writes.get();
    }

    /**
     * The wrapped data source (its connections are never failed).
     *
     * @return the real data source
     */
    public DataSource unwrapped() {
        return real;
    }

    @Override
    public void arm(Fault fault, int count) {
        plan.arm(fault, count);
    }

    @Override
    public void armRandomly(Fault fault, double probability, long seed) {
        plan.armRandomly(fault, probability, seed);
    }

    @Override
    public void disarm() {
        plan.disarm();
    }

    @Override
    public int injected() {
        return plan.injected();
    }

    /**
     * Whether a statement changes data (see the class comment).
     *
     * @param sql the statement
     * @return true for a data-changing statement
     */
    public static boolean isWrite(@Nullable String sql) {
        if (sql == null) {
            return false;
        }
        String s = LEADING_NOISE.matcher(sql).replaceFirst("");
        int end = 0;
        while (end < s.length() && Character.isLetter(s.charAt(end))) {
            end++;
        }
        String first = s.substring(0, end).toUpperCase(Locale.ROOT);
        if (CHANGING.contains(first)) {
            return true;
        }
        return first.equals("WITH") && CHANGING_IN_WITH.matcher(s).find();
    }

    // ------------------------------------------------------------------ DataSource

    @Override
    public Connection getConnection() throws SQLException {
        return wrap(real.getConnection());
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return wrap(real.getConnection(username, password));
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return real.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        real.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        real.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return real.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return real.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return real.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || real.isWrapperFor(iface);
    }

    private Connection wrap(Connection c) throws SQLException {
        ConnectionHandler h = new ConnectionHandler(c);
        Connection proxy = (Connection)
                Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
        h.self = proxy;
        return proxy;
    }

    private static @Nullable Object call(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static SQLException lost(String what) {
        return new SQLException("injected fault: connection lost " + what, SQL_STATE);
    }

    /** One connection: tracks auto-commit and whether the open transaction changed data. */
    private final class ConnectionHandler implements InvocationHandler {
        private final Connection conn;
        /** The proxy handed out for this connection; set right after the proxy is created. */
        private @Nullable Connection self;

        private boolean autoCommit;
        private boolean dirty;
        private boolean dead;

        ConnectionHandler(Connection conn) throws SQLException {
            this.conn = conn;
            this.autoCommit = conn.getAutoCommit();
        }

        @Override
        public @Nullable Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            if (m.getDeclaringClass() == Object.class) {
                return switch (name) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "FaultInjecting[" + conn + "]";
                };
            }
            if (dead) {
                return switch (name) {
                    case "close", "abort" -> null;
                    case "isClosed" -> true;
                    case "isValid" -> false;
                    default -> throw new SQLException("injected fault: the connection was lost", "08003");
                };
            }
            switch (name) {
                case "createStatement":
                    return statement(Statement.class, call(conn, m, args), null);
                case "prepareStatement":
                    return statement(PreparedStatement.class, call(conn, m, args), (String) args[0]);
                case "prepareCall":
                    return statement(CallableStatement.class, call(conn, m, args), (String) args[0]);
                case "setAutoCommit": {
                    boolean on = (Boolean) args[0];
                    if (on && !autoCommit && dirty) {
                        commit(() -> call(conn, m, args)); // switching auto-commit on commits the transaction
                    } else {
                        call(conn, m, args);
                    }
                    autoCommit = on;
                    dirty = false;
                    return null;
                }
                case "commit":
                    if (dirty) {
                        commit(() -> call(conn, m, args));
                    } else {
                        call(conn, m, args);
                    }
                    return null;
                case "rollback":
                    Object r = call(conn, m, args);
                    if (args == null || args.length == 0) {
                        dirty = false; // rollback to a savepoint keeps the transaction's earlier changes
                    }
                    return r;
                case "close":
                    dirty = false;
                    return call(conn, m, args);
                default:
                    return call(conn, m, args);
            }
        }

        /** Runs a commit of a transaction that changed data, as a write. */
        private void commit(Step realCommit) throws Throwable {
            writes.incrementAndGet();
            Fault fault = plan.next();
            dirty = false;
            if (fault == Fault.FAIL_BEFORE) {
                try {
                    conn.rollback();
                } finally {
                    kill();
                }
                throw lost("before COMMIT: the transaction was rolled back");
            }
            if (fault == Fault.LOSE_ACK) {
                Throwable reply = null;
                try {
                    realCommit.run();
                } catch (Throwable t) {
                    reply = t; // the reply was an error: lost as well
                }
                kill();
                SQLException e = lost("after COMMIT was sent: the acknowledgement never arrived");
                if (reply != null) {
                    e.addSuppressed(reply);
                }
                throw e;
            }
            realCommit.run();
        }

        /** Runs one execute* call of a statement. */
        @Nullable
        Object execute(Object stmt, Method m, Object[] args, boolean changes) throws Throwable {
            if (!changes) {
                return call(stmt, m, args);
            }
            if (!autoCommit) {
                dirty = true;
                return call(stmt, m, args);
            }
            writes.incrementAndGet();
            Fault fault = plan.next();
            if (fault == Fault.FAIL_BEFORE) {
                kill();
                throw lost("before the statement was sent: nothing was applied");
            }
            if (fault == Fault.LOSE_ACK) {
                Throwable reply = null;
                try {
                    call(stmt, m, args);
                } catch (Throwable t) {
                    reply = t;
                }
                kill();
                SQLException e = lost("after the auto-committed statement ran: its reply never arrived");
                if (reply != null) {
                    e.addSuppressed(reply);
                }
                throw e;
            }
            return call(stmt, m, args);
        }

        /** Aborts the physical connection and makes the pool notice it; the caller's connection is dead. */
        private void kill() {
            dead = true;
            try {
                conn.abort(DIRECT);
            } catch (SQLException | RuntimeException ignored) {
                // not supported by the driver: closing below still ends the caller's use of it
            }
            try {
                conn.rollback(); // fails on the aborted connection with an 08 SQLState: pools evict it
            } catch (SQLException | RuntimeException ignored) {
                // expected
            }
            try {
                conn.close();
            } catch (SQLException | RuntimeException ignored) {
                // already closed
            }
        }

        private Object statement(
                Class<? extends Statement> type, @Nullable Object realStatement, @Nullable String preparedSql) {
            Statement real = (Statement) Objects.requireNonNull(realStatement, "the driver returned no statement");
            StatementHandler h = new StatementHandler(this, real, preparedSql);
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, h);
        }
    }

    /** A statement: classifies what it executes and lets its connection decide about faults. */
    private final class StatementHandler implements InvocationHandler {
        private final ConnectionHandler connection;
        private final Statement stmt;
        private final @Nullable String preparedSql;
        private boolean batchChanges;

        StatementHandler(ConnectionHandler connection, Statement stmt, @Nullable String preparedSql) {
            this.connection = connection;
            this.stmt = stmt;
            this.preparedSql = preparedSql;
        }

        @Override
        public @Nullable Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            if (m.getDeclaringClass() == Object.class) {
                return switch (name) {
                    case "equals" -> proxy == args[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "FaultInjecting[" + stmt + "]";
                };
            }
            if (connection.dead && !name.equals("close") && !name.equals("isClosed")) {
                throw new SQLException("injected fault: the connection was lost", "08003");
            }
            switch (name) {
                case "getConnection":
                    return connection.self;
                case "addBatch":
                    batchChanges |= isWrite(args != null && args.length == 1 ? (String) args[0] : preparedSql);
                    return call(stmt, m, args);
                case "clearBatch":
                    batchChanges = false;
                    return call(stmt, m, args);
                case "executeBatch":
                case "executeLargeBatch": {
                    boolean changes = batchChanges;
                    batchChanges = false;
                    return connection.execute(stmt, m, args, changes);
                }
                case "execute":
                case "executeQuery":
                case "executeUpdate":
                case "executeLargeUpdate": {
                    String sql = args != null && args.length > 0 && args[0] instanceof String s ? s : preparedSql;
                    return connection.execute(stmt, m, args, isWrite(sql));
                }
                default:
                    return call(stmt, m, args);
            }
        }
    }

    /** A JDBC step that may fail. */
    @FunctionalInterface
    private interface Step {
        void run() throws Throwable;
    }
}
