package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RecoveryContract;

/**
 * RecoveryContract against a standalone Redis: stock and keys in Redis, orders in core's in-memory store
 * (Redis has no order store), shared by both instances of the two-instance test.
 */
class RedisStandaloneRecoveryTest extends RecoveryContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
