package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.HoldExtensionContract;

/**
 * HoldExtensionContract against Postgres (orders in the same database: the hold and the order's record of
 * its extension commit together; see {@link TestDatabases} for how the server is found).
 */
class PostgresHoldExtensionTest extends HoldExtensionContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
