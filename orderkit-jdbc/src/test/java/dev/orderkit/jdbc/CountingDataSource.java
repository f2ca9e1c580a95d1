package dev.orderkit.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that counts what the backend asks of the database: transactions, write
 * commits and client/server exchanges, through JDK proxies over the real connections and
 * statements (any driver, any pool). Thread-safe counters; each connection is used by one thread at
 * a time, as JDBC requires.
 *
 * <ul>
 *   <li><b>write commit</b>: a {@code commit()} (or {@code setAutoCommit(true)}) of a transaction
 *       that executed a data-changing statement, or a data-changing statement in auto-commit mode:
 *       what the database makes durable (a WAL flush on PostgreSQL).</li>
 *   <li><b>transaction</b>: every {@code commit()} / {@code rollback()} of an explicit transaction
 *       that executed anything, plus every statement executed in auto-commit mode.</li>
 *   <li><b>round trip</b>: every statement execution (a batch counts once), commit, rollback and
 *       savepoint operation (set, release, roll back to). PostgreSQL's driver sends {@code BEGIN}
 *       with the first statement, so it costs none.</li>
 * </ul>
 */
final class CountingDataSource extends WrappingDataSource {
    private static final Pattern CHANGING = Pattern.compile(
            "^\\s*(WITH\\b.*\\b)?(INSERT|UPDATE|DELETE|MERGE)\\b", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    final AtomicLong writeCommits = new AtomicLong();
    final AtomicLong transactions = new AtomicLong();
    final AtomicLong roundTrips = new AtomicLong();
    final AtomicLong savepoints = new AtomicLong();

    CountingDataSource(DataSource real) {
        super(real);
    }

    /** The counts so far. */
    Counts counts() {
        return new Counts(writeCommits.get(), transactions.get(), roundTrips.get(), savepoints.get());
    }

    /**
     * Counts at one moment.
     *
     * @param writeCommits durable commits of changes
     * @param transactions transactions (explicit or auto-commit)
     * @param roundTrips statements, commits, rollbacks and savepoint operations
     * @param savepoints savepoint operations among the round trips
     */
    record Counts(long writeCommits, long transactions, long roundTrips, long savepoints) {
        Counts minus(Counts o) {
            return new Counts(
                    writeCommits - o.writeCommits,
                    transactions - o.transactions,
                    roundTrips - o.roundTrips,
                    savepoints - o.savepoints);
        }

        String perOrder(int n) {
            return String.format(
                    Locale.ROOT,
                    "%.1f write commits, %.1f transactions, %.1f round trips (%.1f savepoint ops) per order",
                    writeCommits / (double) n,
                    transactions / (double) n,
                    roundTrips / (double) n,
                    savepoints / (double) n);
        }
    }

    private static boolean changing(String sql) {
        return CHANGING.matcher(sql).find();
    }

    /** Per-connection state: in a transaction, and whether it executed anything / changed anything. */
    private final class Conn implements InvocationHandler {
        private final Connection c;
        private boolean autoCommit = true;
        private boolean used;
        private boolean dirty;

        Conn(Connection c) throws SQLException {
            this.c = c;
            this.autoCommit = c.getAutoCommit();
        }

        void executed(boolean changes) {
            roundTrips.incrementAndGet();
            if (autoCommit) {
                transactions.incrementAndGet();
                if (changes) {
                    writeCommits.incrementAndGet();
                }
            } else {
                used = true;
                dirty |= changes;
            }
        }

        private void end(boolean commit) {
            if (used) {
                transactions.incrementAndGet();
                roundTrips.incrementAndGet();
                if (commit && dirty) {
                    writeCommits.incrementAndGet();
                }
            }
            used = false;
            dirty = false;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            switch (name) {
                case "commit" -> end(true);
                case "rollback" -> {
                    if (args == null || args.length == 0) {
                        end(false);
                    } else {
                        roundTrips.incrementAndGet();
                        savepoints.incrementAndGet();
                    }
                }
                case "setSavepoint", "releaseSavepoint" -> {
                    roundTrips.incrementAndGet();
                    savepoints.incrementAndGet();
                }
                case "setAutoCommit" -> {
                    boolean on = (Boolean) args[0];
                    if (on && !autoCommit) {
                        end(true);
                    }
                    autoCommit = on;
                }
                default -> {
                    // counted by the statement proxies
                }
            }
            Object result;
            try {
                result = m.invoke(c, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (result instanceof PreparedStatement ps && name.startsWith("prepare")) {
                String sql = (String) args[0];
                return proxy(PreparedStatement.class, ps, new Stmt(this, ps, sql));
            }
            if (result instanceof Statement s && name.equals("createStatement")) {
                return proxy(Statement.class, s, new Stmt(this, s, null));
            }
            return result;
        }
    }

    /** A statement: counts each execution (a batch once) on its connection. */
    private static final class Stmt implements InvocationHandler {
        private final Conn conn;
        private final Statement s;
        private final String sql;
        private boolean batchChanges;

        Stmt(Conn conn, Statement s, String sql) {
            this.conn = conn;
            this.s = s;
            this.sql = sql;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            if (name.equals("addBatch") && args != null && args.length == 1 && args[0] instanceof String q) {
                batchChanges |= changing(q);
            } else if (name.equals("executeBatch") || name.equals("executeLargeBatch")) {
                conn.executed(batchChanges || (sql != null && changing(sql)));
                batchChanges = false;
            } else if (name.startsWith("execute")) {
                String q = args != null && args.length > 0 && args[0] instanceof String a ? a : sql;
                conn.executed(q != null && changing(q));
            }
            try {
                return m.invoke(s, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    @Override
    protected Connection wrap(Connection c) throws SQLException {
        return proxy(Connection.class, c, new Conn(c));
    }

    private static <T> T proxy(Class<T> type, Object target, InvocationHandler h) {
        Class<?>[] ifaces =
                type == PreparedStatement.class ? new Class<?>[] {PreparedStatement.class} : new Class<?>[] {type};
        return type.cast(Proxy.newProxyInstance(CountingDataSource.class.getClassLoader(), ifaces, h));
    }
}
