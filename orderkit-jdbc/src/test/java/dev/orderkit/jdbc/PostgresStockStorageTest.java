package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StockStorageContract;

/** StockStorageContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresStockStorageTest extends StockStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
