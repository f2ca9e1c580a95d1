package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RetentionContract;

/** RetentionContract against a standalone Redis (orders in core's in-memory store). */
class RedisStandaloneRetentionTest extends RetentionContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
