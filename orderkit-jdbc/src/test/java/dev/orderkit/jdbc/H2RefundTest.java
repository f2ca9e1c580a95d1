package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RefundContract;

/** RefundContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2RefundTest extends RefundContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
