package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RecoveryContract;

/** RecoveryContract against MariaDB (see {@link TestDatabases} for how the server is found). */
class MariaDbRecoveryTest extends RecoveryContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((JdbcFixture) primary).peer();
    }
}
