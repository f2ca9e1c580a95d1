package dev.orderkit.redis;

import dev.orderkit.testkit.AmbiguousFailureContract;
import dev.orderkit.testkit.BackendFixture;

/**
 * AmbiguousFailureContract against the 3-master Redis Cluster (orders in core's in-memory store): scripts fail
 * before they are sent or lose their reply after they ran ({@link FaultyJedis}).
 */
class RedisClusterAmbiguousFailureTest extends AmbiguousFailureContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
