package dev.orderkit.jdbc;

import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** {@link StockRoundTrips} on H2 (embedded: calls into the engine rather than network round trips). */
class H2StockRoundTripTest extends StockRoundTrips {
    @Override
    protected DataSource dataSource(String prefix) {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + prefix + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000");
        ds.setUser("sa");
        return ds;
    }

    @Override
    protected boolean postgres() {
        return false;
    }

    @Override
    protected Budget budget() {
        // commit 7, release 8: the state's compare-and-set and the hold's index entries
        // (reservation_line.held_until) are two statements of one transaction: H2 has no multi-table
        // UPDATE; since V9 a commit also moves the units into stock_level.committed (one more UPDATE).
        // Issue 17: every applied write inserts its event into the outbox in the same transaction
        // (one more INSERT): reserve 1 and 3 lines 7 -> 8, commit 7 -> 8, release / fulfil 8 -> 9;
        // a refused or repeated reserve writes nothing (6, 5 unchanged)
        return new Budget(8, 8, 6, 5, 8, 9);
    }
}
