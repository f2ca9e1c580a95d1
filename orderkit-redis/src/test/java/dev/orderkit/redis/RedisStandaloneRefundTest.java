package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.RefundContract;

/** RefundContract on Redis standalone stock and keys (orders in core's in-memory store). */
class RedisStandaloneRefundTest extends RefundContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
