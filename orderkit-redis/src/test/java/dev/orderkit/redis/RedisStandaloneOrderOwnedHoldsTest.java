package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderOwnedHoldsContract;

/** OrderOwnedHoldsContract against a standalone Redis (orders in core's in-memory store). */
class RedisStandaloneOrderOwnedHoldsTest extends OrderOwnedHoldsContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
