package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderOwnedHoldsContract;

/** OrderOwnedHoldsContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresOrderOwnedHoldsTest extends OrderOwnedHoldsContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
