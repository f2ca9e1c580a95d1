package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StockPolicyContract;

/** StockPolicyContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresStockPolicyTest extends StockPolicyContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
