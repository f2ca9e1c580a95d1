package dev.orderkit.jmh.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The JDBC raw baseline: in one transaction, one guarded
 * {@code UPDATE raw_stock SET reserved = reserved + ? WHERE sku = ? AND location = ? AND on_hand - reserved >= ?}
 * per line (in canonical order, so no deadlocks), then one {@code INSERT} of the reservation row;
 * rolled back if a line is short. No movements, reservation lines, versions or read-before-write,
 * which orderkit-jdbc adds. Thread-safe (the data source is a pool).
 */
public final class RawJdbcStock {
    private static final String UPDATE = "UPDATE raw_stock SET reserved = reserved + ? "
            + "WHERE sku = ? AND location = ? AND on_hand - reserved >= ?";
    private static final String INSERT =
            "INSERT INTO raw_reservation (id, state, expires_at, created_at) " + "VALUES (?, ?, ?, ?)";

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
     * Reserves one unit of each picked SKU in one transaction.
     *
     * @param reservationId a fresh id
     * @return true if held, false if some line was short (rolled back)
     * @throws SQLException if the database fails
     */
    public boolean reserve(String reservationId) throws SQLException {
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
}
