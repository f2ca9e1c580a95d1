package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.HoldExtensionContract;

/**
 * HoldExtensionContract against MariaDb (orders in the same database: the hold and the order's record of
 * its extension commit together; see {@link TestDatabases} for how the server is found).
 */
class MariaDbHoldExtensionTest extends HoldExtensionContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
