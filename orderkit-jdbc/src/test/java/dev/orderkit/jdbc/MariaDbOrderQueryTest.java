package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderQueryContract;

/** OrderQueryContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbOrderQueryTest extends OrderQueryContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
