package dev.orderkit.jdbc;

import javax.sql.DataSource;

/** {@link StockRoundTrips} on MariaDB. */
class MariaDbStockRoundTripTest extends StockRoundTrips {
    @Override
    protected DataSource dataSource(String prefix) {
        return TestDatabases.pool(TestDatabases.Kind.MARIADB);
    }

    @Override
    protected boolean postgres() {
        return false;
    }

    @Override
    protected Budget budget() {
        // commit 6 (was 2: one multi-table UPDATE in autocommit): since V9 a commit also moves the
        // units into stock_level.committed, in one transaction with the state's compare-and-set
        // (begin, CAS, level UPDATE, commit); a single multi-table UPDATE could bring it back to 2.
        // Issue 17: every applied write inserts its event into the outbox in the same transaction
        // (one more INSERT): reserve 1 line 7 -> 8, 3 lines 9 -> 10, commit 6 -> 7, release / fulfil
        // 7 -> 8; a refused or repeated reserve writes nothing (7, 5 unchanged)
        return new Budget(8, 10, 7, 5, 7, 8);
    }
}
