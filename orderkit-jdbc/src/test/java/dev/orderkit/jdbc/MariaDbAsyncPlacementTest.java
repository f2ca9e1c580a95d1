package dev.orderkit.jdbc;

import dev.orderkit.testkit.AsyncPlacementContract;
import dev.orderkit.testkit.BackendFixture;

/**
 * AsyncPlacementContract against MariaDb (keys, orders and stock in one database: a submit is one
 * commit; see {@link TestDatabases} for how the server is found).
 */
class MariaDbAsyncPlacementTest extends AsyncPlacementContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.MARIADB);
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((JdbcFixture) primary).peer(); // another instance: its own pool, the same schema
    }
}
