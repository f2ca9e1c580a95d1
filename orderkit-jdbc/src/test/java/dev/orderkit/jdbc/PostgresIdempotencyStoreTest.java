package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.IdempotencyStoreContract;

/** IdempotencyStoreContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresIdempotencyStoreTest extends IdempotencyStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
