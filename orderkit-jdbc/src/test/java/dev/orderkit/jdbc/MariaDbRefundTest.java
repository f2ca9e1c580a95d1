package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RefundContract;

/** RefundContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbRefundTest extends RefundContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
