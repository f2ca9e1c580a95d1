package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OrderQueryContract;

/** OrderQueryContract against a standalone Redis (orders in core's in-memory store). */
class RedisStandaloneOrderQueryTest extends OrderQueryContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
