package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RetentionContract;

/** RetentionContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresRetentionTest extends RetentionContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
