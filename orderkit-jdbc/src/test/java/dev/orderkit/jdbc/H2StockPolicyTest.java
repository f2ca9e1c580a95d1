package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StockPolicyContract;

/** StockPolicyContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2StockPolicyTest extends StockPolicyContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
