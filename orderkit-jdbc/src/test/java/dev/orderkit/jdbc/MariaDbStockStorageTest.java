package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StockStorageContract;

/** StockStorageContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbStockStorageTest extends StockStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
