package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.ReservationLifecycleContract;

/** ReservationLifecycleContract against Postgres (see {@link TestDatabases} for how the server is found). */
class PostgresReservationLifecycleTest extends ReservationLifecycleContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.POSTGRES);
    }
}
