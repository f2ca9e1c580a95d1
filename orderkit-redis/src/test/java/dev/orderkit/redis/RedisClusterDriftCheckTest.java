package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;

/** DriftCheckContract against the 3-master Redis Cluster (orders in core's in-memory store). */
class RedisClusterDriftCheckTest extends RedisDriftCheckContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }
}
