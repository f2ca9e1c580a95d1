package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StaleWorkerContract;

/** StaleWorkerContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2StaleWorkerTest extends StaleWorkerContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((JdbcFixture) primary).peer();
    }
}
