package dev.orderkit.testkit;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.payment.SimulatedPaymentPort.Payment;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * A durable {@link SimulatedPaymentPort.Ledger} in two tables of a relational database (plain JDBC,
 * portable SQL for PostgreSQL, MySQL/MariaDB and H2), so that simulated gateways in several JVMs act
 * as one gateway and a multi-process test can count the effective authorizations per order.
 *
 * <p>Tables, under a prefix: {@code <prefix>payment_keys} (the idempotency key as primary key and
 * its stored result) and {@code <prefix>payments}. A call with a new key runs as one transaction:
 * insert the key row first (the primary key serializes concurrent callers of one key), run the
 * effect on the payment rows (read {@code FOR UPDATE}), store the result, commit. A caller that
 * hits the duplicate key reads the result the owner committed, retrying briefly while it is not
 * visible yet; deadlocks, serialization failures and lost connections are retried the same way,
 * so an effect may run again after a rolled-back attempt but is committed at most once.
 *
 * <pre>{@code
 * JdbcPaymentLedger ledger = new JdbcPaymentLedger(dataSource, "sim_").createTables();
 * SimulatedPaymentPort gateway = new SimulatedPaymentPort(ledger);
 * }</pre>
 */
public final class JdbcPaymentLedger implements SimulatedPaymentPort.Ledger {
    private static final Duration DEFAULT_WAIT = Duration.ofSeconds(15);
    private static final String COLUMNS = "id, order_id, amount_minor, currency, status, refunded_minor";

    private final DataSource dataSource;
    private final String keysTable;
    private final String paymentsTable;
    private final Duration wait;

    /**
     * Creates a ledger over existing (or to be {@linkplain #createTables() created}) tables,
     * retrying a key another caller holds for up to 15 s.
     *
     * @param dataSource where the tables live
     * @param tablePrefix prefix of both table names: letters, digits and underscores, may be empty
     */
    public JdbcPaymentLedger(DataSource dataSource, String tablePrefix) {
        this(dataSource, tablePrefix, DEFAULT_WAIT);
    }

    /**
     * Creates a ledger over existing (or to be {@linkplain #createTables() created}) tables.
     *
     * @param dataSource where the tables live
     * @param tablePrefix prefix of both table names: letters, digits and underscores, may be empty
     * @param wait how long a call keeps retrying while another caller holds its key (or the database
     *             reports a transient failure) before it throws {@link PaymentUnavailableException}
     */
    public JdbcPaymentLedger(DataSource dataSource, String tablePrefix, Duration wait) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        Objects.requireNonNull(tablePrefix, "tablePrefix");
        if (!tablePrefix.matches("[A-Za-z0-9_]*")) {
            throw new IllegalArgumentException("table prefix must be letters, digits and underscores: " + tablePrefix);
        }
        this.wait = Objects.requireNonNull(wait, "wait");
        this.keysTable = tablePrefix + "payment_keys";
        this.paymentsTable = tablePrefix + "payments";
    }

    /**
     * Creates both tables if they do not exist. Run it once before several processes start (some
     * databases reject concurrent {@code CREATE TABLE IF NOT EXISTS} of one table).
     *
     * @return this
     * @throws IllegalStateException if the database refuses
     */
    public JdbcPaymentLedger createTables() {
        run(
                "CREATE TABLE IF NOT EXISTS " + keysTable + " (idem_key VARCHAR(255) NOT NULL PRIMARY KEY, "
                        + "outcome VARCHAR(16), ref VARCHAR(255), detail VARCHAR(1000))",
                "CREATE TABLE IF NOT EXISTS " + paymentsTable + " (id VARCHAR(100) NOT NULL PRIMARY KEY, "
                        + "order_id VARCHAR(255) NOT NULL, amount_minor BIGINT NOT NULL, currency VARCHAR(3) NOT NULL, "
                        + "status VARCHAR(16) NOT NULL, refunded_minor BIGINT NOT NULL)");
        return this;
    }

    /**
     * Drops both tables if they exist.
     *
     * @throws IllegalStateException if the database refuses
     */
    public void dropTables() {
        run("DROP TABLE IF EXISTS " + keysTable, "DROP TABLE IF EXISTS " + paymentsTable);
    }

    /**
     * The names of the two tables.
     *
     * @return the keys table, then the payments table
     */
    public List<String> tableNames() {
        return List.of(keysTable, paymentsTable);
    }

    private void run(String... statements) {
        try (Connection c = dataSource.getConnection();
                Statement st = c.createStatement()) {
            if (!c.getAutoCommit()) {
                c.setAutoCommit(true);
            }
            for (String sql : statements) {
                st.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("payment ledger DDL failed: " + e.getMessage(), e);
        }
    }

    @Override
    public Outcome apply(String key, Function<Payments, PaymentResult> effect) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(effect, "effect");
        long deadline = System.nanoTime() + wait.toNanos();
        long backoffMs = 1;
        SQLException last = null;
        while (true) {
            try (Connection c = dataSource.getConnection()) {
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                Optional<PaymentResult> stored = stored(c, key);
                if (stored.isPresent()) {
                    return new Outcome(stored.get(), false);
                }
                Outcome applied = applyOnce(c, key, effect);
                if (applied != null) {
                    return applied;
                }
                // someone else owns the key: its result is read on the next round
            } catch (SQLException e) {
                if (!retryable(e)) {
                    throw new PaymentUnavailableException(
                            "simulated gateway ledger failed: " + e.getMessage(), null, e);
                }
                last = e;
            }
            if (System.nanoTime() > deadline) {
                throw new PaymentUnavailableException(
                        "simulated gateway ledger: key " + key + " still busy after " + wait.toMillis() + " ms",
                        null,
                        last);
            }
            sleep(backoffMs + ThreadLocalRandom.current().nextLong(backoffMs + 1));
            backoffMs = Math.min(50, backoffMs * 2);
        }
    }

    /**
     * One transaction: claims the key, runs the effect, stores the result.
     *
     * @return the outcome, or {@code null} if another caller holds the key
     */
    private @Nullable Outcome applyOnce(Connection c, String key, Function<Payments, PaymentResult> effect)
            throws SQLException {
        c.setAutoCommit(false);
        boolean committed = false;
        try {
            try (PreparedStatement ins = c.prepareStatement("INSERT INTO " + keysTable + " (idem_key) VALUES (?)")) {
                ins.setString(1, key);
                ins.executeUpdate();
            } catch (SQLException e) {
                if (duplicateKey(e)) {
                    return null;
                }
                throw e;
            }
            PaymentResult result;
            try {
                result = Objects.requireNonNull(effect.apply(new Rows(c)), "effect result");
            } catch (SqlFailure f) {
                throw f.getCause();
            }
            String outcome;
            String ref;
            String detail;
            if (result instanceof PaymentResult.Approved a) {
                outcome = "APPROVED";
                ref = a.paymentId();
                detail = null;
            } else if (result instanceof PaymentResult.ActionRequired a) {
                outcome = "ACTION_REQUIRED";
                ref = a.paymentId();
                detail = a.action();
            } else {
                PaymentResult.Declined d = (PaymentResult.Declined) result;
                outcome = "DECLINED";
                ref = d.code();
                detail = d.message();
            }
            try (PreparedStatement up = c.prepareStatement(
                    "UPDATE " + keysTable + " SET outcome = ?, ref = ?, detail = ? WHERE idem_key = ?")) {
                up.setString(1, outcome);
                up.setString(2, ref);
                up.setString(3, detail);
                up.setString(4, key);
                up.executeUpdate();
            }
            c.commit();
            committed = true;
            return new Outcome(result, true);
        } finally {
            if (!committed) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is broken; the pool discards it
                }
            }
            try {
                c.setAutoCommit(true);
            } catch (SQLException ignored) {
                // as above
            }
        }
    }

    private Optional<PaymentResult> stored(Connection c, String key) throws SQLException {
        try (PreparedStatement q =
                c.prepareStatement("SELECT outcome, ref, detail FROM " + keysTable + " WHERE idem_key = ?")) {
            q.setString(1, key);
            try (ResultSet rs = q.executeQuery()) {
                if (!rs.next() || rs.getString(1) == null) {
                    return Optional.empty();
                }
                String ref = rs.getString(2);
                String detail = rs.getString(3);
                return Optional.of(
                        switch (rs.getString(1)) {
                            case "APPROVED" -> new PaymentResult.Approved(ref);
                            case "ACTION_REQUIRED" -> new PaymentResult.ActionRequired(ref, detail);
                            case "DECLINED" -> new PaymentResult.Declined(ref, detail);
                            default -> throw new IllegalStateException("unknown stored outcome " + rs.getString(1));
                        });
            }
        }
    }

    @Override
    public Map<String, Payment> payments() {
        Map<String, Payment> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement q = c.prepareStatement("SELECT " + COLUMNS + " FROM " + paymentsTable);
                ResultSet rs = q.executeQuery()) {
            while (rs.next()) {
                Payment p = payment(rs);
                out.put(p.id(), p);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the simulated payments: " + e.getMessage(), e);
        }
        return Map.copyOf(out);
    }

    private static Payment payment(ResultSet rs) throws SQLException {
        return new Payment(
                rs.getString(1),
                rs.getString(2),
                Money.of(rs.getLong(3), rs.getString(4)),
                SimulatedPaymentPort.Status.valueOf(rs.getString(5)),
                rs.getLong(6));
    }

    /** The payment rows of one transaction. */
    private final class Rows implements Payments {
        private final Connection c;

        Rows(Connection c) {
            this.c = c;
        }

        @Override
        public Optional<Payment> find(String paymentId) {
            try (PreparedStatement q =
                    c.prepareStatement("SELECT " + COLUMNS + " FROM " + paymentsTable + " WHERE id = ? FOR UPDATE")) {
                q.setString(1, paymentId);
                try (ResultSet rs = q.executeQuery()) {
                    return rs.next() ? Optional.of(payment(rs)) : Optional.empty();
                }
            } catch (SQLException e) {
                throw new SqlFailure(e);
            }
        }

        @Override
        public void save(Payment p) {
            try (PreparedStatement up = c.prepareStatement("UPDATE " + paymentsTable + " SET order_id = ?, "
                    + "amount_minor = ?, currency = ?, status = ?, refunded_minor = ? WHERE id = ?")) {
                up.setString(1, p.orderId());
                up.setLong(2, p.amount().minor());
                up.setString(3, p.amount().currency());
                up.setString(4, p.status().name());
                up.setLong(5, p.refundedMinor());
                up.setString(6, p.id());
                if (up.executeUpdate() > 0) {
                    return;
                }
            } catch (SQLException e) {
                throw new SqlFailure(e);
            }
            try (PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO " + paymentsTable + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)")) {
                ins.setString(1, p.id());
                ins.setString(2, p.orderId());
                ins.setLong(3, p.amount().minor());
                ins.setString(4, p.amount().currency());
                ins.setString(5, p.status().name());
                ins.setLong(6, p.refundedMinor());
                ins.executeUpdate();
            } catch (SQLException e) {
                throw new SqlFailure(e);
            }
        }
    }

    /** Carries a {@link SQLException} out of an effect. */
    private static final class SqlFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SqlFailure(SQLException cause) {
            super(cause);
        }

        @Override
        public synchronized SQLException getCause() {
            // the constructor sets a non-null cause, which initCause cannot replace
            return (SQLException) Objects.requireNonNull(super.getCause(), "cause");
        }
    }

    private static boolean duplicateKey(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("23") || e.getErrorCode() == 1062;
    }

    /** Deadlocks, serialization failures, lock timeouts and broken connections. */
    private static boolean retryable(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException) {
                return true;
            }
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                int code = s.getErrorCode();
                if (state != null && (state.startsWith("40") || state.startsWith("08") || state.equals("HYT00"))
                        || code == 1205
                        || code == 1213
                        || code == 50200
                        || code == 90131) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PaymentUnavailableException("interrupted", null, e);
        }
    }
}
