package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.HoldExtensionContract;

/** HoldExtensionContract against a standalone Redis (merged records; orders in core's in-memory store). */
class RedisStandaloneHoldExtensionTest extends HoldExtensionContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
