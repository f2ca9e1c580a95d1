package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.BoundedStorageContract;
import java.util.Map;

/** Storage stays flat over 10,000 order cycles on H2: row counts of every table but orders. */
class H2BoundedStorageTest extends BoundedStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }

    @Override
    protected Map<String, Long> footprint() {
        return JdbcBoundedStorage.rows((JdbcFixture) fixture);
    }

    @Override
    protected void publishEvents() {
        JdbcBoundedStorage.publish((JdbcFixture) fixture);
    }
}
