package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.ReservationLifecycleContract;

/** ReservationLifecycleContract against the 3-master Redis Cluster (the reservation's two SKUs live in two slots: two parts). */
class RedisClusterReservationLifecycleTest extends ReservationLifecycleContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }
}
