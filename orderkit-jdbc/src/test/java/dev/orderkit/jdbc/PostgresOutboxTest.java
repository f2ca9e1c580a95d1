package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OutboxContract;

/** OutboxContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresOutboxTest extends OutboxContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
