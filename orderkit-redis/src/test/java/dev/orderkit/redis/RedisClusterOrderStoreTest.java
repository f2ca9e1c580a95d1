package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderStoreContract;

/** OrderStoreContract against the 3-master Redis Cluster (orders in core's in-memory store). */
class RedisClusterOrderStoreTest extends OrderStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
