package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RecoveryContract;

/** RecoveryContract against H2 (embedded) (see {@link TestDatabases} for how the server is found). */
class H2RecoveryTest extends RecoveryContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((JdbcFixture) primary).peer();
    }
}
