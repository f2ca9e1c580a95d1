package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderServiceContract;

/** OrderServiceContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresOrderServiceTest extends OrderServiceContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
