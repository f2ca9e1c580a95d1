package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.HoldExtensionContract;

/**
 * HoldExtensionContract against H2 (orders in the same database: the hold and the order's record of
 * its extension commit together; see {@link TestDatabases} for how the server is found).
 */
class H2HoldExtensionTest extends HoldExtensionContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
