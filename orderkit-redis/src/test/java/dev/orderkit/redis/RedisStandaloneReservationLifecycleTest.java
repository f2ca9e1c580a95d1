package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.ReservationLifecycleContract;

/** ReservationLifecycleContract against a standalone Redis. */
class RedisStandaloneReservationLifecycleTest extends ReservationLifecycleContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
