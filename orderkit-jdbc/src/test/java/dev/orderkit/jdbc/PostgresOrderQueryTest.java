package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderQueryContract;

/** OrderQueryContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresOrderQueryTest extends OrderQueryContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
