package dev.orderkit.jdbc;

import javax.sql.DataSource;

/** {@link StockRoundTrips} on PostgreSQL: one round trip per reserve and per transition. */
class PostgresStockRoundTripTest extends StockRoundTrips {
    @Override
    protected DataSource dataSource(String prefix) {
        return TestDatabases.pool(TestDatabases.Kind.POSTGRES);
    }

    @Override
    protected boolean postgres() {
        return true;
    }

    @Override
    protected Budget budget() {
        return new Budget(1, 1, 1, 1, 1, 1);
    }
}
