package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.BadInputContract;

/** BadInputContract against MariaDb (see {@link TestDatabases} for how the server is found). */
class MariaDbBadInputTest extends BadInputContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }
}
