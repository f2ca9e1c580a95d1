package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.IdempotencyStoreContract;

/** IdempotencyStoreContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbIdempotencyStoreTest extends IdempotencyStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
