package dev.orderkit.jdbc;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.ReservationLifecycleContract;

/** ReservationLifecycleContract against H2 (see {@link TestDatabases} for how the server is found). */
class H2ReservationLifecycleTest extends ReservationLifecycleContract {
    @Override
    protected BackendFixture createFixture() {
        return JdbcFixture.create(TestDatabases.Kind.H2);
    }
}
