package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RecoveryContract;

/**
 * RecoveryContract against the 3-master Redis Cluster: stock and keys in Redis, orders in core's in-memory store
 * (Redis has no order store), shared by both instances of the two-instance test.
 */
class RedisClusterRecoveryTest extends RecoveryContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
