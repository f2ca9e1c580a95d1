package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.InboxStoreContract;

/**
 * InboxStoreContract against MariaDb (see {@link TestDatabases} for how the server is found); the peer
 * is a second pool.
 */
class MariaDbInboxStoreTest extends InboxStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((JdbcFixture) primary).peer();
    }
}
