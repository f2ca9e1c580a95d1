package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.BoundedStorageContract;
import java.util.Map;

/**
 * Storage stays flat over many order cycles on PostgreSQL: row counts of every table but orders.
 * 2,000 cycles (twice past the warm-up): every cycle commits several transactions, and 10,000 took
 * 500 s on the shared CI machine; the 10,000-cycle runs are on H2, Redis and in-memory.
 */
class PostgresBoundedStorageTest extends BoundedStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }

    @Override
    protected Map<String, Long> footprint() {
        return JdbcBoundedStorage.rows((JdbcFixture) fixture);
    }

    @Override
    protected int cycles() {
        return 2_000;
    }

    @Override
    protected void publishEvents() {
        JdbcBoundedStorage.publish((JdbcFixture) fixture);
    }
}
