package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StockPolicyContract;

/** StockPolicyContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbStockPolicyTest extends StockPolicyContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
