package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.BadInputContract;

/** BadInputContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresBadInputTest extends BadInputContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
