package dev.orderkit.redis;

import dev.orderkit.testkit.AmbiguousFailureContract;
import dev.orderkit.testkit.BackendFixture;

/**
 * AmbiguousFailureContract against a standalone Redis (orders in core's in-memory store): scripts fail
 * before they are sent or lose their reply after they ran ({@link FaultyJedis}).
 */
class RedisStandaloneAmbiguousFailureTest extends AmbiguousFailureContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
