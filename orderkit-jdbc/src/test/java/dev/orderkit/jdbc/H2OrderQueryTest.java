package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderQueryContract;

/** OrderQueryContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2OrderQueryTest extends OrderQueryContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
