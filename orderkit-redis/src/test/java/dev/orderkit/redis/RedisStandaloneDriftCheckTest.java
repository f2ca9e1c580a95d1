package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;

/** DriftCheckContract against a standalone Redis (orders in core's in-memory store). */
class RedisStandaloneDriftCheckTest extends RedisDriftCheckContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
