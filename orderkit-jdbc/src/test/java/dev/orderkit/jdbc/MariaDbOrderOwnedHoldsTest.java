package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderOwnedHoldsContract;

/** OrderOwnedHoldsContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbOrderOwnedHoldsTest extends OrderOwnedHoldsContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
