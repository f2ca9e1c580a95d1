package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OutboxContract;

/** OutboxContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbOutboxTest extends OutboxContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
