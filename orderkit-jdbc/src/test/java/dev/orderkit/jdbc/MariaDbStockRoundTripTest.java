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
        return new Budget(7, 9, 7, 5, 2, 7);
    }
}
