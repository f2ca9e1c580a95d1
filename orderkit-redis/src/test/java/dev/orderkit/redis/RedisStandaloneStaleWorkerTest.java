package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StaleWorkerContract;

/** StaleWorkerContract against a standalone Redis (orders in core's in-memory store). */
class RedisStandaloneStaleWorkerTest extends StaleWorkerContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
