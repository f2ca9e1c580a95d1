package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderServiceContract;

/** OrderServiceContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbOrderServiceTest extends OrderServiceContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
