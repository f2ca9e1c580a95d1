package dev.orderkit.jdbc;

import dev.orderkit.core.StockKey;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.jdbc.internal.Db;
import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.DriftCheckContract;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;

/**
 * {@link DriftCheckContract} on one SQL dialect: drift is planted with plain SQL on the fixture's
 * tables, outside orderkit.
 */
abstract class JdbcDriftCheckContract extends DriftCheckContract {
    private final Kind kind;

    JdbcDriftCheckContract(Kind kind) {
        this.kind = kind;
    }

    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(kind);
    }

    private JdbcFixture jdbc() {
        return (JdbcFixture) fixture;
    }

    private void update(String sql, Object... args) {
        try (Connection c = jdbc().dataSource().getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
            if (!c.getAutoCommit()) {
                c.commit();
            }
        } catch (SQLException e) {
            throw new AssertionError("cannot plant drift: " + sql, e);
        }
    }

    @Override
    protected void plantLevel(StockKey key, long onHand, long reserved) {
        String p = jdbc().backend().tablePrefix();
        update(
                "UPDATE " + p + "stock_level SET on_hand = ?, reserved = ? WHERE sku = ? AND location = ?",
                onHand,
                reserved,
                key.sku(),
                key.location());
    }

    @Override
    protected void plantOrphanHold(StockKey key, String reservationId, long quantity) {
        String p = jdbc().backend().tablePrefix();
        long now = Db.nanos(clock.instant());
        long expires = Db.nanos(clock.instant().plus(Duration.ofDays(1)));
        update(
                "INSERT INTO " + p + "reservation (id, state, expires_at, created_at, updated_at, version) "
                        + "VALUES (?, 'HELD', ?, ?, ?, 0)",
                reservationId,
                expires,
                now,
                now);
        update(
                "INSERT INTO " + p + "reservation_line (reservation_id, line_no, sku, location, quantity, held_until) "
                        + "VALUES (?, 0, ?, ?, ?, ?)",
                reservationId,
                key.sku(),
                key.location(),
                quantity,
                expires);
    }
}
