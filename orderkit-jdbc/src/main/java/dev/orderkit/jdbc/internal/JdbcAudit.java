package dev.orderkit.jdbc.internal;

import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.LevelAudit;
import dev.orderkit.core.spi.PositionedMovement;
import dev.orderkit.jdbc.JdbcDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The audit reads of {@link JdbcStockStorage}: movement pages by id, and the drift check's atomic
 * read of levels with their movement sums and active holds. Thread-safe (stateless).
 *
 * <p><b>Movement positions</b> are {@code movement.id}: every writer inserts a level's movements
 * after it locked (or updated) the level row, in the same transaction, so ids of one level are
 * taken, and committed, in the order of the level's changes; a page is one range read of the index
 * {@code (sku, location, id)}. A compaction keeps the id of the oldest row it folds for the snapshot.
 *
 * <p><b>Consistent reads.</b> PostgreSQL and MySQL/MariaDB read a whole page of keys in one
 * read-only {@code REPEATABLE READ} transaction: one MVCC snapshot (PostgreSQL: taken at the first
 * statement; InnoDB: the consistent read view created by the first read) for every table, so the
 * level, its movements and its reservation lines are seen as of one instant, and no writer waits
 * (non-locking reads). H2's MVStore takes its REPEATABLE READ snapshots per table, so on H2 each key
 * is read in a transaction of its own that first locks the level row ({@code SELECT ... FOR UPDATE}):
 * every write that changes a level, its movements or the stock its active holds count takes that
 * row lock first, so the sums read under it are those of the locked level; writers of that one
 * level wait for the three reads (a few milliseconds), other levels never.
 *
 * <p><b>Active holds by key.</b> MySQL/MariaDB and H2 read the lines of the key through the index
 * {@code reservation_line (sku, held_until)} (schema v5; its prefix is the SKU) joined to the
 * reservation by primary key: cost proportional to the SKU's lines still kept (terminal ones until
 * {@code purge}). PostgreSQL's index of v5 is partial (HELD lines only): HELD lines are read through
 * it, COMMITTED ones through {@code reservation (state, expires_at)} (v1), once per page for all
 * its SKUs: cost proportional to the committed reservations of the whole shop.
 */
final class JdbcAudit {
    private static final String LEVEL_COLS = "sku, location, on_hand, reserved, version, updated_at";

    private final Db db;

    JdbcAudit(Db db) {
        this.db = db;
    }

    List<PositionedMovement> movements(StockKey key, long afterPosition, int limit) {
        return db.withConnection("movements page", (c, ambient) -> {
            try (PreparedStatement ps = c.prepareStatement(
                    db.sql("SELECT id, on_hand_delta, reserved_delta, reason, reference, at FROM {p}movement "
                            + "WHERE sku = ? AND location = ? AND id > ? ORDER BY id LIMIT " + limit))) {
                ps.setString(1, key.sku());
                ps.setString(2, key.location());
                ps.setLong(3, afterPosition);
                List<PositionedMovement> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new PositionedMovement(
                                rs.getLong("id"),
                                new Movement(
                                        key,
                                        rs.getLong("on_hand_delta"),
                                        rs.getLong("reserved_delta"),
                                        MovementReason.valueOf(rs.getString("reason")),
                                        rs.getString("reference"),
                                        Db.instant(rs.getLong("at")))));
                    }
                }
                return out;
            }
        });
    }

    List<LevelAudit> audit(List<StockKey> keys) {
        if (db.dialect() == JdbcDialect.H2) {
            List<LevelAudit> out = new ArrayList<>(keys.size());
            for (StockKey k : keys) {
                out.addAll(db.withConnection(
                        "audit " + k,
                        (c, ambient) -> inTransaction(c, ambient, -1, () -> {
                            List<LevelAudit> one = new ArrayList<>(1);
                            StockLevel level = level(c, k, true);
                            if (level != null) {
                                long[] sums = movementSums(c, k);
                                one.add(new LevelAudit(level, sums[0], sums[1], holds(c, k)));
                            }
                            return one;
                        })));
            }
            return out;
        }
        return db.withConnection(
                "audit",
                (c, ambient) -> inTransaction(c, ambient, Connection.TRANSACTION_REPEATABLE_READ, () -> {
                    Map<StockKey, Long> committed =
                            db.dialect() == JdbcDialect.POSTGRESQL ? committedHolds(c, keys) : Map.of();
                    List<LevelAudit> out = new ArrayList<>(keys.size());
                    for (StockKey k : keys) {
                        StockLevel level = level(c, k, false);
                        if (level == null) {
                            continue;
                        }
                        long[] sums = movementSums(c, k);
                        long holds = db.dialect() == JdbcDialect.POSTGRESQL
                                ? heldHoldsPg(c, k) + committed.getOrDefault(k, 0L)
                                : holds(c, k);
                        out.add(new LevelAudit(level, sums[0], sums[1], holds));
                    }
                    return out;
                }));
    }

    private interface SqlWork<T> {
        T run() throws SQLException;
    }

    /**
     * Runs read-only work in a transaction of its own at {@code isolation} ({@code -1}: the
     * connection's), rolled back afterwards; the connection is handed back as it came. Inside a step
     * transaction (ambient) the work joins it.
     */
    private static <T> T inTransaction(Connection c, boolean ambient, int isolation, SqlWork<T> work)
            throws SQLException {
        if (ambient) {
            return work.run();
        }
        int before = c.getTransactionIsolation();
        boolean auto = c.getAutoCommit();
        if (isolation != -1 && before != isolation) {
            c.setTransactionIsolation(isolation);
        }
        if (auto) {
            c.setAutoCommit(false);
        }
        try {
            return work.run();
        } finally {
            try {
                c.rollback(); // read-only: nothing to keep; ends the snapshot and releases any lock
            } finally {
                if (auto) {
                    c.setAutoCommit(true);
                }
                if (isolation != -1 && before != isolation) {
                    c.setTransactionIsolation(before);
                }
            }
        }
    }

    private @Nullable StockLevel level(Connection c, StockKey k, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(db.sql("SELECT " + LEVEL_COLS
                + " FROM {p}stock_level WHERE sku = ? AND location = ?" + (lock ? " FOR UPDATE" : "")))) {
            ps.setString(1, k.sku());
            ps.setString(2, k.location());
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                return new StockLevel(
                        k,
                        rs.getLong("on_hand"),
                        rs.getLong("reserved"),
                        rs.getLong("version"),
                        Db.instant(rs.getLong("updated_at")));
            }
        }
    }

    /** The sums of the on-hand and reserved deltas of the level's movements, summed by the database. */
    private long[] movementSums(Connection c, StockKey k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                db.sql("SELECT COALESCE(SUM(on_hand_delta), 0), COALESCE(SUM(reserved_delta), 0) FROM {p}movement "
                        + "WHERE sku = ? AND location = ?"))) {
            ps.setString(1, k.sku());
            ps.setString(2, k.location());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new long[] {rs.getLong(1), rs.getLong(2)};
            }
        }
    }

    /** MySQL/MariaDB, H2: the key's lines of HELD and COMMITTED reservations (index by SKU of v5). */
    private long holds(Connection c, StockKey k) throws SQLException {
        return sum(
                c,
                "SELECT COALESCE(SUM(l.quantity), 0) FROM {p}reservation_line l JOIN {p}reservation r "
                        + "ON r.id = l.reservation_id WHERE l.sku = ? AND l.location = ? "
                        + "AND r.state IN ('HELD', 'COMMITTED')",
                k);
    }

    /** PostgreSQL: the key's HELD lines through the partial index of v5 (held_until set while HELD). */
    private long heldHoldsPg(Connection c, StockKey k) throws SQLException {
        return sum(
                c,
                "SELECT COALESCE(SUM(l.quantity), 0) FROM {p}reservation_line l JOIN {p}reservation r "
                        + "ON r.id = l.reservation_id WHERE l.sku = ? AND l.held_until IS NOT NULL "
                        + "AND l.location = ? AND r.state = 'HELD'",
                k);
    }

    private long sum(Connection c, String sql, StockKey k) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(db.sql(sql))) {
            ps.setString(1, k.sku());
            ps.setString(2, k.location());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** PostgreSQL: the COMMITTED lines of the page's SKUs, by key, through the index by state (v1). */
    private Map<StockKey, Long> committedHolds(Connection c, List<StockKey> keys) throws SQLException {
        List<String> skus = keys.stream().map(StockKey::sku).distinct().toList();
        Map<StockKey, Long> out = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                db.sql("SELECT l.sku, l.location, SUM(l.quantity) FROM {p}reservation r JOIN {p}reservation_line l "
                        + "ON l.reservation_id = r.id WHERE r.state = 'COMMITTED' AND l.sku = ANY (?) "
                        + "GROUP BY l.sku, l.location"))) {
            ps.setArray(1, c.createArrayOf("varchar", skus.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(new StockKey(rs.getString(1), rs.getString(2)), rs.getLong(3));
                }
            }
        }
        return out;
    }
}
