package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderOwnedHoldsContract;

/** OrderOwnedHoldsContract against the 3-master Redis Cluster (orders in core's in-memory store). */
class RedisClusterOrderOwnedHoldsTest extends OrderOwnedHoldsContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }
}
