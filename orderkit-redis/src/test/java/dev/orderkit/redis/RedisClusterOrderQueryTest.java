package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderQueryContract;

/** OrderQueryContract against the 3-master Redis Cluster (orders in core's in-memory store). */
class RedisClusterOrderQueryTest extends OrderQueryContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
