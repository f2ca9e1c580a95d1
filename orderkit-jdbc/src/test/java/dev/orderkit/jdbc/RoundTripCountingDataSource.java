package dev.orderkit.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.sql.DataSource;

/**
 * A {@link DataSource} that counts the client→server calls a backend makes, as round trips: every
 * statement execution (a batch counts once: the drivers send it as one pipeline / one multi-row
 * statement), every {@code commit}, {@code rollback}, savepoint set / release / rollback, and every
 * {@code setAutoCommit} that changes the mode, except on PostgreSQL (pgjdbc sends {@code BEGIN}
 * with the next statement, and switching back after a commit or rollback sends nothing). Driver-internal calls (metadata, pool validation)
 * are not seen. Test-only; thread-safe for one counting thread at a time.
 */
final class RoundTripCountingDataSource extends WrappingDataSource {
    private static final Set<String> EXECUTE = Set.of(
            "execute", "executeQuery", "executeUpdate", "executeBatch", "executeLargeUpdate", "executeLargeBatch");
    private static final Set<String> CONTROL = Set.of("commit", "rollback", "setSavepoint", "releaseSavepoint");

    private final boolean postgres;
    private final List<String> calls = new ArrayList<>();

    RoundTripCountingDataSource(DataSource real, boolean postgres) {
        super(real);
        this.postgres = postgres;
    }

    /** The wrapped data source (not counted). */
    DataSource unwrapped() {
        return real;
    }

    /** Forgets what was counted. */
    synchronized void reset() {
        calls.clear();
    }

    /** The round trips counted since the last {@link #reset()}. */
    synchronized int roundTrips() {
        return calls.size();
    }

    /** What was counted, for messages: SQL (shortened) or the connection call. */
    synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    private synchronized void count(String what) {
        calls.add(what.length() > 90 ? what.substring(0, 90) + "…" : what);
    }

    @Override
    protected Connection wrap(Connection c) {
        return (Connection) Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, new ConnectionHandler(c));
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private final class ConnectionHandler implements InvocationHandler {
        private final Connection c;

        ConnectionHandler(Connection c) {
            this.c = c;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            String name = m.getName();
            if (CONTROL.contains(name)) {
                count(name);
            } else if (name.equals("setAutoCommit")) {
                boolean to = (Boolean) args[0];
                if (c.getAutoCommit() != to && !postgres) {
                    count("setAutoCommit(" + to + ")");
                }
            } else if (name.equals("unwrap") || name.equals("isWrapperFor")) {
                return RoundTripCountingDataSource.invoke(c, m, args);
            }
            Object result = RoundTripCountingDataSource.invoke(c, m, args);
            if (result instanceof PreparedStatement ps && name.startsWith("prepare")) {
                Class<?> iface =
                        result instanceof CallableStatement ? CallableStatement.class : PreparedStatement.class;
                return Proxy.newProxyInstance(
                        iface.getClassLoader(), new Class<?>[] {iface}, new StatementHandler(ps, (String) args[0]));
            }
            if (result instanceof Statement st && name.equals("createStatement")) {
                return Proxy.newProxyInstance(
                        Statement.class.getClassLoader(),
                        new Class<?>[] {Statement.class},
                        new StatementHandler(st, null));
            }
            return result;
        }
    }

    private final class StatementHandler implements InvocationHandler {
        private final Statement st;
        private final String sql;

        StatementHandler(Statement st, String sql) {
            this.st = st;
            this.sql = sql;
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            if (EXECUTE.contains(m.getName())) {
                String text = args != null && args.length > 0 && args[0] instanceof String s ? s : sql;
                count(String.valueOf(text));
            }
            return RoundTripCountingDataSource.invoke(st, m, args);
        }
    }
}
