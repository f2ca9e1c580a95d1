package dev.orderkit.jmh.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import javax.sql.DataSource;

/**
 * The two JDBC raw baselines users compare against, on the same two tables:
 * <ul>
 *   <li>{@link #reserveTxn} — the hand-written reservation transaction: in one transaction, one
 *       guarded {@code UPDATE raw_stock SET reserved = reserved + ? WHERE sku = ? AND location = ?
 *       AND on_hand - reserved >= ?} per line (in canonical order, so no deadlocks), then one
 *       {@code INSERT} of the reservation row, one commit; rolled back if a line is short.</li>
 *   <li>{@link #reserveUpdate} — the single-statement conditional UPDATE in autocommit, what pgbench
 *       runs against a hot row: the same guarded statement, no transaction around it, no
 *       reservation record. With several lines it is one {@code UPDATE ... WHERE sku IN (...)}
 *       statement (still one round trip and one commit; it reports how many rows it changed).</li>
 * </ul>
 * Neither keeps movements, reservation lines, versions or reads before writing, which orderkit-jdbc
 * adds. Thread-safe (the data source is a pool).
 */
public final class RawJdbcStock {
    private static final String UPDATE = "UPDATE raw_stock SET reserved = reserved + ? "
            + "WHERE sku = ? AND location = ? AND on_hand - reserved >= ?";
    private static final String INSERT =
            "INSERT INTO raw_reservation (id, state, expires_at, created_at) " + "VALUES (?, ?, ?, ?)";

    private final String updateIn;
    private final DataSource pool;
    private final Workload workload;

    /**
     * Creates the two tables and stocks every catalog SKU.
     *
     * @param pool the pool (not owned)
     * @param workload the workload
     * @throws SQLException if the database fails
     */
    public RawJdbcStock(DataSource pool, Workload workload) throws SQLException {
        this.pool = pool;
        this.workload = workload;
        this.updateIn = "UPDATE raw_stock SET reserved = reserved + ? WHERE sku IN ("
                + String.join(", ", Collections.nCopies(workload.lines(), "?"))
                + ") AND location = ? AND on_hand - reserved >= ?";
        try (Connection c = pool.getConnection();
                Statement st = c.createStatement()) {
            st.execute("CREATE TABLE raw_stock (sku VARCHAR(128) NOT NULL, location VARCHAR(128) NOT NULL, "
                    + "on_hand BIGINT NOT NULL, reserved BIGINT NOT NULL, PRIMARY KEY (sku, location))");
            st.execute(
                    "CREATE TABLE raw_reservation (id VARCHAR(128) NOT NULL PRIMARY KEY, state VARCHAR(16) NOT NULL, "
                            + "expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL)");
            c.setAutoCommit(false);
            try (PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO raw_stock (sku, location, on_hand, reserved) VALUES (?, 'default', ?, 0)")) {
                for (String sku : workload.catalog()) {
                    ins.setString(1, sku);
                    ins.setLong(2, Workload.ON_HAND);
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    /**
     * The hand-written reservation transaction: reserves one unit of each picked SKU (guarded UPDATE
     * per line) and inserts the reservation row, one commit.
     *
     * @param reservationId a fresh id
     * @return true if held, false if some line was short (rolled back)
     * @throws SQLException if the database fails
     */
    public boolean reserveTxn(String reservationId) throws SQLException {
        int[] idx = workload.pick();
        long now = System.currentTimeMillis();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                try (PreparedStatement up = c.prepareStatement(UPDATE)) {
                    for (int i : idx) {
                        up.setLong(1, 1);
                        up.setString(2, workload.sku(i));
                        up.setString(3, "default");
                        up.setLong(4, 1);
                        if (up.executeUpdate() != 1) {
                            c.rollback();
                            return false;
                        }
                    }
                }
                try (PreparedStatement ins = c.prepareStatement(INSERT)) {
                    ins.setString(1, reservationId);
                    ins.setString(2, "HELD");
                    ins.setLong(3, now + Workload.TTL.toMillis());
                    ins.setLong(4, now);
                    ins.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * The single-statement conditional UPDATE in autocommit (pgbench's shape): one statement
     * reserving one unit of each picked SKU, no reservation record.
     *
     * @return true if every picked row was updated, false if some was short (with several lines the
     *     statement has then changed the rows that were not: this baseline is not all-or-nothing)
     * @throws SQLException if the database fails
     */
    public boolean reserveUpdate() throws SQLException {
        int[] idx = workload.pick();
        try (Connection c = pool.getConnection()) {
            if (idx.length == 1) {
                try (PreparedStatement up = c.prepareStatement(UPDATE)) {
                    up.setLong(1, 1);
                    up.setString(2, workload.sku(idx[0]));
                    up.setString(3, "default");
                    up.setLong(4, 1);
                    return up.executeUpdate() == 1;
                }
            }
            try (PreparedStatement up = c.prepareStatement(updateIn)) {
                int p = 1;
                up.setLong(p++, 1);
                for (int i : idx) {
                    up.setString(p++, workload.sku(i));
                }
                up.setString(p++, "default");
                up.setLong(p, 1);
                for (int attempt = 1; ; attempt++) {
                    try {
                        return up.executeUpdate() == idx.length;
                    } catch (SQLException e) {
                        // the plan may lock the rows in heap order, which moves with every update, so two
                        // multi-row statements can deadlock; the server rolled this one back whole: repeat it
                        if (attempt >= 10
                                || e.getSQLState() == null
                                || !e.getSQLState().startsWith("40")) {
                            throw e;
                        }
                    }
                }
            }
        }
    }

    /**
     * What the invariant check needs: reserved units over all rows, rows reserved above their
     * on-hand (or below zero), reservation rows.
     *
     * @return {@code {reservedUnits, overReserved, reservations}}
     * @throws SQLException if the database fails
     */
    public long[] totals() throws SQLException {
        try (Connection c = pool.getConnection();
                Statement st = c.createStatement()) {
            long[] out = new long[3];
            try (ResultSet rs = st.executeQuery(
                    "SELECT COALESCE(SUM(reserved), 0), "
                            + "COALESCE(SUM(CASE WHEN reserved > on_hand OR reserved < 0 THEN 1 ELSE 0 END), 0) FROM raw_stock")) {
                rs.next();
                out[0] = rs.getLong(1);
                out[1] = rs.getLong(2);
            }
            try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM raw_reservation")) {
                rs.next();
                out[2] = rs.getLong(1);
            }
            return out;
        }
    }
}
