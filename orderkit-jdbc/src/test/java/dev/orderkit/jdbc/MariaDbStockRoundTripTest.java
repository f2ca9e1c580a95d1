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
        // (begin, CAS, level UPDATE, commit); a single multi-table UPDATE could bring it back to 2
        return new Budget(7, 9, 7, 5, 6, 7);
    }
}
