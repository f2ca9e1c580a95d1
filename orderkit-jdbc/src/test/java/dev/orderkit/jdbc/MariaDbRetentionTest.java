package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RetentionContract;

/** RetentionContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbRetentionTest extends RetentionContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
