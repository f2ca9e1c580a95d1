package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OutboxContract;

/** OutboxContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2OutboxTest extends OutboxContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
