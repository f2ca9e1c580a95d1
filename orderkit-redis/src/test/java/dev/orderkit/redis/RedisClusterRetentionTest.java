package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RetentionContract;

/** RetentionContract against the 3-master Redis Cluster (orders in core's in-memory store). */
class RedisClusterRetentionTest extends RetentionContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }
}
