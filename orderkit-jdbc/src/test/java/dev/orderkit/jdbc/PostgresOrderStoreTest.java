package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderStoreContract;

/** OrderStoreContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresOrderStoreTest extends OrderStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
