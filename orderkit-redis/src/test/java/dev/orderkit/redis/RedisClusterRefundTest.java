package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RefundContract;

/** RefundContract on Redis cluster stock and keys (orders in core's in-memory store). */
class RedisClusterRefundTest extends RefundContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }
}
